//! The page before an action that cannot be undone or that reaches people outside
//! (GOV.UK "check your answers" and "are you sure"): what will happen in a summary list,
//! what goes with it and what stays, one button, and the way back. Every domain's
//! confirmation renders this one template, so they all look and behave alike.

use serde::Serialize;

use crate::i18n::Text;

pub const TEMPLATE: &str = "pages/confirm";

/// One row of the summary list: a label, its value, and where to change it.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    pub key: String,
    pub value: String,
    pub change: Option<String>,
}

/// What the confirmation page shows. Texts are put into words by the builder methods.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub heading: String,
    pub lead: Option<String>,
    pub summary: Vec<SummaryRow>,
    /// What goes with the action (deleted, sent, ended).
    pub goes: Vec<String>,
    /// What stays as it is (issued certificates, history).
    pub stays: Vec<String>,
    /// A sentence in the warning style next to the button.
    pub warning: Option<String>,
    /// Where the form posts, with these hidden fields besides the CSRF token.
    pub action: String,
    pub hidden: Vec<Hidden>,
    pub button: String,
    /// Deleting, revoking, retiring: the button looks like a warning, not a primary action.
    pub destructive: bool,
    /// Why the action cannot be done now; the button is then disabled and says so beside it.
    pub blocked: Option<String>,
    /// The page to go back to without doing anything.
    pub back: String,
    /// Other ways forward, as links next to the button (what to do instead when blocked).
    pub instead: Vec<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

fn words(text: &Text) -> String {
    text.render(crate::i18n::DEFAULT_LANG)
}

impl Confirmation {
    /// A confirmation posting to `action`, with `button` on its button and `back` as the way
    /// out.
    pub fn new(
        heading: Text, action: impl Into<String>, button: Text, back: impl Into<String>,
    ) -> Self {
        Confirmation {
            heading: words(&heading),
            lead: None,
            summary: Vec::new(),
            goes: Vec::new(),
            stays: Vec::new(),
            warning: None,
            action: action.into(),
            hidden: Vec::new(),
            button: words(&button),
            destructive: false,
            blocked: None,
            back: back.into(),
            instead: Vec::new(),
        }
    }

    /// The button in the warning style (deleting, revoking, retiring a key).
    pub fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }

    pub fn lead(mut self, text: Text) -> Self {
        self.lead = Some(words(&text));
        self
    }

    /// A row of the summary list; `value` is shown as it is (a name, a count).
    pub fn row(mut self, key: Text, value: impl Into<String>, change: Option<String>) -> Self {
        self.summary.push(SummaryRow { key: words(&key), value: value.into(), change });
        self
    }

    pub fn goes(mut self, text: Text) -> Self {
        self.goes.push(words(&text));
        self
    }

    pub fn stays(mut self, text: Text) -> Self {
        self.stays.push(words(&text));
        self
    }

    pub fn warning(mut self, text: Text) -> Self {
        self.warning = Some(words(&text));
        self
    }

    pub fn hidden(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.hidden.push(Hidden { name: name.into(), value: value.into() });
        self
    }

    /// A link to another way forward (erasing instead of deleting, cancelling first).
    pub fn instead(mut self, label: Text, href: impl Into<String>) -> Self {
        self.instead.push(Link { label: words(&label), href: href.into() });
        self
    }

    /// Disables the button, with `why` beside it.
    pub fn blocked(mut self, why: Text) -> Self {
        self.blocked = Some(words(&why));
        self
    }
}
