//! The human sink: the view model of every batch painted for a terminal, one write per event.

use super::{Listening, Sink};
use crate::printer::Printer;
use crate::report::{Code, Finding, Severity};
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::serve::view::human::HumanView;
use crate::serve::view::model::ViewModel;
use crate::serve::view::summary::Summary;

pub struct HumanSink<'p> {
    printer: &'p Printer,
    model: ViewModel,
    view: HumanView,
    /// The text of one event, reused so that its memory is not allocated again for every batch.
    text: String,
}

impl<'p> HumanSink<'p> {
    pub fn new(printer: &'p Printer) -> Self {
        HumanSink {
            printer,
            model: ViewModel::new(),
            view: HumanView::new(printer.color()),
            text: String::new(),
        }
    }

    fn print(&mut self) {
        self.printer.block(&self.text);
        self.text.clear();
    }
}

impl Sink for HumanSink<'_> {
    fn listening(&mut self, listening: &Listening<'_>) {
        self.view.listening(
            listening.grpc,
            listening.http,
            listening.tls_ca,
            &mut self.text,
        );
        if let Some(ui) = listening.ui {
            self.text.push_str(&format!("web view: {ui}\n"));
        }
        self.print();
    }

    fn batch(&mut self, received: &Received) {
        self.view.batch(&mut self.model, received, &mut self.text);
        self.print();
    }

    fn refused(&mut self, refusal: &Refusal) {
        self.view.refusal(refusal, &mut self.text);
        self.print();
    }

    fn finding(&mut self, finding: &Finding) {
        // An empty export already has its own line in the batch; the summary still counts it.
        if finding.severity == Severity::Info && finding.code == Code::LintEmptyExport {
            return;
        }
        self.view.finding(finding, &mut self.text);
        self.print();
    }

    fn summary(&mut self, summary: &Summary) {
        self.view.summary(summary, &mut self.text);
        self.print();
    }
}
