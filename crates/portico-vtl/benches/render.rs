//! Render cost of typical API Gateway mapping templates, including building the request's
//! variables (what the data plane pays per templated request).
//! Run: `cargo bench -p portico-vtl --bench render`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portico_vtl::aws::Variables;
use portico_vtl::{Limits, Template};

/// AWS's "pass through all parameters" request template.
const REQUEST_TEMPLATE: &str = r#"#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "http-method" : "$context.httpMethod",
    "request-id" : "$context.requestId",
    "resource-path" : "$context.resourcePath",
    "stage" : "$context.stage"
}
}"#;

/// A response template reshaping a list, as in AWS's pet store example.
const RESPONSE_TEMPLATE: &str = r#"#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end
#end
]"#;

fn variables(body: String) -> Variables {
    let mut context = serde_json::Map::new();
    context.insert("httpMethod".into(), "POST".into());
    context.insert(
        "requestId".into(),
        "c0a4e9b2-5b1f-4e8e-9d3c-2f6a7b8c9d0e".into(),
    );
    context.insert("resourcePath".into(), "/pets/{id}".into());
    context.insert("stage".into(), "prod".into());
    Variables {
        body,
        path: vec![("id".into(), "42".into())],
        querystring: vec![("type".into(), "dog".into()), ("page".into(), "2".into())],
        header: vec![
            ("Accept".into(), "application/json".into()),
            ("Content-Type".into(), "application/json".into()),
            ("User-Agent".into(), "curl/8.5.0".into()),
        ],
        context,
        stage_variables: vec![("backend".into(), "pets.internal".into())],
    }
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let request = Template::parse(REQUEST_TEMPLATE).expect("request template parses");
    let request_body =
        r#"{"name":"Rex","type":"dog","price":249.99,"tags":["good","boy"]}"#.to_owned();
    c.bench_function("request template (all params, 60-byte body)", |b| {
        b.iter(|| {
            let mut context = variables(request_body.clone()).into_context();
            black_box(request.render(&mut context, &limits).expect("renders"))
        });
    });
    let response = Template::parse(RESPONSE_TEMPLATE).expect("response template parses");
    let pets: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"id":{i},"type":"{}","price":{}.99}}"#,
                if i % 2 == 0 { "dog" } else { "cat" },
                100 + i
            )
        })
        .collect();
    let response_body = format!("[{}]", pets.join(","));
    c.bench_function("response template (10-item list)", |b| {
        b.iter(|| {
            let mut context = variables(response_body.clone()).into_context();
            black_box(response.render(&mut context, &limits).expect("renders"))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
