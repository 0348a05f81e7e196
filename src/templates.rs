//! Handlebars templates embedded in the binary, in strict mode so a misspelt field fails
//! loudly in tests instead of rendering blank on a certificate page.

use std::sync::LazyLock;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use serde_json::{json, Value};

use crate::error::AppError;
use crate::i18n;

pub mod pagination;

#[derive(rust_embed::Embed)]
#[folder = "templates/"]
struct TemplateFiles;

pub static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(build);

fn build() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    for file in TemplateFiles::iter() {
        let Some(name) = file.strip_suffix(".hbs") else {
            continue;
        };
        let Some(content) = TemplateFiles::get(&file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&content.data);
        if let Err(e) = hb.register_template_string(name, text) {
            // A broken template is a build defect; tests render every page and catch it.
            tracing::error!(template = %name, error = %e, "template does not compile");
        }
    }
    // Bidi controls are refused on input; any that reached the database before that rule
    // are dropped on output, so no stored text can reorder a page.
    hb.register_escape_fn(|text| {
        let clean: String =
            text.chars().filter(|c| !crate::validate::is_bidi_control(*c)).collect();
        handlebars::html_escape(&clean)
    });
    hb.register_helper("t", Box::new(translate_helper));
    hb.register_helper("tp", Box::new(translate_plain_helper));
    hb.register_helper("html_lang", Box::new(html_lang_helper));
    hb.register_helper("dir_of", Box::new(dir_helper));
    hb.register_helper("plain", Box::new(plain_text_helper));
    hb.register_helper("eq", Box::new(eq_helper));
    hb.register_helper("v", Box::new(value_or_empty_helper));
    hb.register_helper("includes", Box::new(includes_helper));
    hb.register_helper("statement_href", Box::new(statement_href_helper));
    hb
}

/// `{{t "key" name=value …}}`: the text in the page's language (`@root.lang`), German as
/// fallback; each `{name}` place filled with its value, escaped and isolated in `<bdi>` so a
/// name or title in another script keeps its own direction.
fn translate_helper(
    h: &Helper, _: &Handlebars, ctx: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let (sentence, args) = sentence_and_args(h, ctx, "t")?;
    let args: Vec<(String, String)> = args
        .into_iter()
        .map(|(name, value)| (name, format!("<bdi>{}</bdi>", handlebars::html_escape(&value))))
        .collect();
    out.write(&i18n::fill(&handlebars::html_escape(&sentence), &args))?;
    Ok(())
}

/// `{{tp "key" name=value …}}`, for plain-text templates (mail subjects and text bodies):
/// as `t`, unescaped, each value on one line and isolated with FSI…PDI where it holds
/// right-to-left letters.
fn translate_plain_helper(
    h: &Helper, _: &Handlebars, ctx: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let (sentence, args) = sentence_and_args(h, ctx, "tp")?;
    let args: Vec<(String, String)> = args
        .into_iter()
        .map(|(name, value)| (name, crate::validate::isolate(&crate::validate::one_line(&value))))
        .collect();
    out.write(&i18n::fill(&sentence, &args))?;
    Ok(())
}

/// The sentence of a `t`/`tp` call in the root context's language, and its named values.
fn sentence_and_args(
    h: &Helper, ctx: &Context, helper: &'static str,
) -> Result<(String, Vec<(String, String)>), RenderErrorReason> {
    let key = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    let lang = ctx.data().get("lang").and_then(|v| v.as_str()).unwrap_or(i18n::DEFAULT_LANG);
    let sentence = i18n::text(lang, key);
    let args = i18n::places(&sentence)
        .into_iter()
        .filter_map(|place| {
            let value = h.hash_get(&place)?.value();
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            Some((place, value))
        })
        .collect();
    Ok((sentence, args))
}

/// `{{html_lang lang}}`: the `lang` attribute for a language code (Leichte Sprache is `de`).
fn html_lang_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let code = h.param(0).and_then(|p| p.value().as_str()).unwrap_or(i18n::DEFAULT_LANG);
    out.write(i18n::html_lang(code))?;
    Ok(())
}

/// `{{dir_of lang}}`: `rtl` or `ltr`.
fn dir_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let code = h.param(0).and_then(|p| p.value().as_str()).unwrap_or(i18n::DEFAULT_LANG);
    out.write(i18n::direction(code))?;
    Ok(())
}

/// `{{plain x}}`, for plain-text templates only (mail subjects and text bodies): user text
/// unescaped, on one line, isolated with FSI…PDI when it holds right-to-left letters.
fn plain_text_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let value = h.param(0).map(|p| p.value());
    let text = match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    out.write(&crate::validate::isolate(&crate::validate::one_line(&text)))?;
    Ok(())
}

fn eq_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let a = h.param(0).map(|p| p.value());
    let b = h.param(1).map(|p| p.value());
    if a.is_some() && a == b {
        out.write("true")?;
    }
    Ok(())
}

/// `(includes form.trainer_ids id)`: whether a form echo's list holds the value, compared as
/// the form sent it (text), so a ticked box stays ticked after a refusal.
fn includes_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    fn as_text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    let list = h.param(0).and_then(|p| p.value().as_array().cloned()).unwrap_or_default();
    let wanted = h.param(1).and_then(|p| as_text(p.value()));
    if wanted.is_some() && list.iter().any(|v| as_text(v) == wanted) {
        out.write("true")?;
    }
    Ok(())
}

/// `{{v form.field}}`: an optional value (form echo) or nothing; strict mode would
/// otherwise refuse the empty form shown before the first submit.
fn value_or_empty_helper(
    h: &Helper, _: &Handlebars, _: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let text = match h.param(0).map(|p| p.value()) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// `{{statement_href}}`: the footer's link to the accessibility statement of the page's
/// organisation (`statement_org` of the page's data), or the general one when the page
/// belongs to none; in the page's language when that is not German.
fn statement_href_helper(
    _: &Helper, _: &Handlebars, ctx: &Context, _: &mut RenderContext, out: &mut dyn Output,
) -> HelperResult {
    let data = ctx.data();
    // A number, or text where a page is rendered once with a placeholder for it (the
    // check page's skeleton); either way escaped like any value.
    let org = match data.get("statement_org") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(handlebars::html_escape(s)),
        _ => None,
    };
    let mut href = match org {
        Some(org) => format!("/barrierefreiheit/{org}"),
        None => "/barrierefreiheit".to_string(),
    };
    // The statement page speaks every participant language (its legal text German or
    // English): the reader stays in the page's language.
    if let Some(lang) = data.get("lang").and_then(Value::as_str) {
        if lang != i18n::DEFAULT_LANG && i18n::is_participant_language(lang) {
            href.push_str("?lang=");
            href.push_str(lang);
        }
    }
    out.write(&href)?;
    Ok(())
}

pub fn render(name: &str, ctx: &Value) -> Result<String, AppError> {
    TEMPLATES
        .render(name, ctx)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering {name}: {e}")))
}

/// The error page in `lang` (the generic one: public pages choose the reader's language).
pub fn render_error_page(status: u16, message: &str, lang: &str) -> String {
    let title = i18n::text(lang, "error.title");
    let ctx = json!({
        "lang": lang,
        "dir": i18n::direction(lang),
        "title": title,
        "nav": Value::Null,
        "status": status,
        "message": message,
    });
    TEMPLATES.render("pages/error", &ctx).unwrap_or_else(|_| {
        format!(
            "<!doctype html><meta charset=utf-8><title>{}</title><p>{}</p>",
            handlebars::html_escape(&title),
            handlebars::html_escape(message)
        )
    })
}

pub fn static_file(path: &str) -> Option<(Vec<u8>, &'static str)> {
    let file = TemplateFiles::get(&format!("static/{path}"))?;
    let mime = if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if path.ends_with(".webmanifest") {
        "application/manifest+json"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "application/octet-stream"
    };
    Some((file.data.into_owned(), mime))
}
