//! Statistics over repeated measurements: the median and spread of per-iteration values, and the
//! growth of a series (the leak check). Pure functions over numbers; no measuring, no printing.

use serde::Serialize;

/// The centre and spread of a set of measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    /// 10th and 90th percentile, linearly interpolated between the closest ranks.
    pub p10: f64,
    pub p90: f64,
    pub min: f64,
    pub max: f64,
    /// How many values.
    pub n: usize,
}

impl Spread {
    /// The spread of `values`; `None` when there is none (or only NaN).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Spread {
            median: percentile(&sorted, 0.5),
            p10: percentile(&sorted, 0.1),
            p90: percentile(&sorted, 0.9),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            n: sorted.len(),
        })
    }

    /// Every statistic divided by `divisor` (e.g. per-iteration totals to per-span values).
    pub fn scaled(self, divisor: f64) -> Spread {
        let scale = |v: f64| v / divisor;
        Spread {
            median: scale(self.median),
            p10: scale(self.p10),
            p90: scale(self.p90),
            min: scale(self.min),
            max: scale(self.max),
            n: self.n,
        }
    }

    /// (p90 - p10) / median: how noisy the measurement was.
    pub fn relative_spread(&self) -> Option<f64> {
        (self.median > 0.0).then(|| (self.p90 - self.p10) / self.median)
    }
}

/// The `q` quantile (0..=1) of sorted values, interpolating between the two closest ranks.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        len => {
            let rank = q.clamp(0.0, 1.0) * (len - 1) as f64;
            let low = rank.floor() as usize;
            let high = rank.ceil() as usize;
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        }
    }
}

/// The median of values in any order.
pub fn median(values: &[f64]) -> Option<f64> {
    Spread::of(values).map(|s| s.median)
}

/// How a series changes from one step to the next.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Growth {
    /// Least-squares slope per step.
    pub per_step: f64,
    /// Last value minus first.
    pub total: f64,
    /// Steps where the value went up.
    pub rising_steps: usize,
    pub steps: usize,
}

impl Growth {
    /// `None` for fewer than two values.
    pub fn of(values: &[f64]) -> Option<Growth> {
        if values.len() < 2 {
            return None;
        }
        let n = values.len() as f64;
        let mean_x = (n - 1.0) / 2.0;
        let mean_y = values.iter().sum::<f64>() / n;
        let (mut covariance, mut variance) = (0.0, 0.0);
        for (i, y) in values.iter().enumerate() {
            let dx = i as f64 - mean_x;
            covariance += dx * (y - mean_y);
            variance += dx * dx;
        }
        Some(Growth {
            per_step: covariance / variance,
            total: values[values.len() - 1] - values[0],
            rising_steps: values.windows(2).filter(|w| w[1] > w[0]).count(),
            steps: values.len() - 1,
        })
    }

    /// Keeps growing: by more than `threshold` per step on the fitted line, and up in at least
    /// three quarters of the steps (a one-off jump, such as an arena the allocator adds once,
    /// rises in one step only).
    pub fn keeps_growing(&self, threshold: f64) -> bool {
        self.per_step > threshold && self.rising_steps * 4 >= self.steps * 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
    }

    #[test]
    fn spread_interpolates_percentiles() {
        let values: Vec<f64> = (1..=11).map(f64::from).collect();
        let spread = Spread::of(&values).expect("values");
        assert_eq!(spread.median, 6.0);
        assert_eq!(spread.p10, 2.0);
        assert_eq!(spread.p90, 10.0);
        assert_eq!((spread.min, spread.max, spread.n), (1.0, 11.0, 11));
        let spread = Spread::of(&[10.0, 20.0]).expect("values");
        assert!((spread.p10 - 11.0).abs() < 1e-9);
        assert!((spread.p90 - 19.0).abs() < 1e-9);
    }

    #[test]
    fn one_value_is_its_own_spread() {
        let spread = Spread::of(&[7.0]).expect("one value");
        assert_eq!(
            (
                spread.median,
                spread.p10,
                spread.p90,
                spread.min,
                spread.max
            ),
            (7.0, 7.0, 7.0, 7.0, 7.0)
        );
        assert_eq!(spread.relative_spread(), Some(0.0));
    }

    #[test]
    fn scaling_divides_every_statistic() {
        let spread = Spread::of(&[100.0, 200.0, 300.0])
            .expect("values")
            .scaled(100.0);
        assert_eq!((spread.min, spread.median, spread.max), (1.0, 2.0, 3.0));
        assert_eq!(spread.n, 3);
    }

    #[test]
    fn a_flat_series_does_not_grow() {
        let growth = Growth::of(&[5.0, 5.0, 5.0, 5.0]).expect("series");
        assert_eq!(growth.per_step, 0.0);
        assert_eq!(growth.rising_steps, 0);
        assert!(!growth.keeps_growing(0.5));
    }

    #[test]
    fn a_steady_climb_keeps_growing() {
        let growth = Growth::of(&[0.0, 10.0, 20.0, 30.0, 40.0]).expect("series");
        assert!((growth.per_step - 10.0).abs() < 1e-9);
        assert_eq!(growth.total, 40.0);
        assert_eq!((growth.rising_steps, growth.steps), (4, 4));
        assert!(growth.keeps_growing(5.0));
        assert!(!growth.keeps_growing(20.0));
    }

    #[test]
    fn a_single_jump_then_plateau_is_not_a_leak() {
        let growth = Growth::of(&[0.0, 100.0, 100.0, 100.0, 100.0, 100.0]).expect("series");
        assert!(growth.per_step > 0.0);
        assert_eq!(growth.rising_steps, 1);
        assert!(!growth.keeps_growing(1.0));
    }

    #[test]
    fn growth_needs_two_values() {
        assert_eq!(Growth::of(&[1.0]), None);
    }
}
