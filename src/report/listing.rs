//! Lists in one line of a report, cut after a few items: a name with fifty addresses or a CA
//! file with hundreds of roots must not turn a summary into a page.

use std::fmt::{Display, Write as _};

/// The first `shown` items joined with ", ", then how many were left out: `a, b, c and 47 more`.
pub fn first_few<I>(items: I, shown: usize) -> String
where
    I: IntoIterator,
    I::Item: Display,
{
    first_few_joined(items, shown, ", ")
}

/// [`first_few`] with another separator, for items that hold commas themselves.
pub fn first_few_joined<I>(items: I, shown: usize, separator: &str) -> String
where
    I: IntoIterator,
    I::Item: Display,
{
    let mut text = String::new();
    let mut left_out = 0usize;
    for (index, item) in items.into_iter().enumerate() {
        if index >= shown {
            left_out += 1;
            continue;
        }
        if index > 0 {
            text.push_str(separator);
        }
        let _ = write!(text, "{item}");
    }
    if left_out > 0 {
        let _ = write!(text, " and {left_out} more");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::first_few;

    #[test]
    fn a_short_list_is_whole() {
        assert_eq!(first_few(["a", "b"], 3), "a, b");
        assert_eq!(first_few(Vec::<String>::new(), 3), "");
    }

    #[test]
    fn a_long_list_says_how_many_were_left_out() {
        assert_eq!(first_few(1..=50, 3), "1, 2, 3 and 47 more");
        assert_eq!(
            super::first_few_joined(["CN=a, O=b", "CN=c", "CN=d"], 2, "; "),
            "CN=a, O=b; CN=c and 1 more"
        );
    }
}
