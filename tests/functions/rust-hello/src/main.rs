//! Echoes the event with what the runtime told the handler (request id, function ARN,
//! deadline), or fails on request, so tests can check the Runtime API end to end.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if payload.get("fail").and_then(Value::as_bool) == Some(true) {
        return Err("requested failure".into());
    }
    Ok(json!({
        "event": payload,
        "request_id": context.request_id,
        "function_arn": context.invoked_function_arn,
        "deadline": context.deadline,
        "function_name": std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
