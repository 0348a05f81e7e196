//! Counting requests: a middleware that leaves the request and the answer as they are
//! and, after the answer, adds it to the series by method, route pattern and status.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::Method;

use super::registry::{Metrics, UNMATCHED};

/// The standard methods by name; anything else a client invents is `other`, so no client
/// can add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Wraps the app's service (`App::wrap_fn`): counts each answered request.
pub fn observe<S, B>(
    metrics: &Arc<Metrics>, req: ServiceRequest, srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let start = Instant::now();
    let method = method_label(req.method());
    let metrics = metrics.clone();
    let fut = srv.call(req);
    async move {
        let answer = fut.await;
        let seconds = start.elapsed().as_secs_f64();
        match &answer {
            Ok(res) => {
                let route = crate::telemetry::route_pattern(res.request())
                    .unwrap_or_else(|| Arc::from(UNMATCHED));
                metrics.observe(method, route, res.status().as_u16(), seconds);
            }
            // An error that no inner service turned into an answer leaves no request to
            // ask for its route; actix answers it with the error's status.
            Err(e) => {
                let status = e.as_response_error().status_code().as_u16();
                metrics.observe(method, Arc::from(UNMATCHED), status, seconds);
            }
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"BREW").expect("a valid method token");
        assert_eq!(method_label(&invented), "other");
    }
}
