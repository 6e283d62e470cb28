//! The conformance suite every [`Store`] backend must pass:
//! `portico_store::testkit::run_all(|| async { make_store() }).await`.

use std::future::Future;

use crate::{Expect, Key, Kind, Range, Store, StoreError, Write};

/// Runs every conformance check against fresh stores from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    put_then_get_returns_body_and_version(&make().await).await;
    versions_increase_on_every_put(&make().await).await;
    absent_expectation_rejects_existing_record(&make().await).await;
    stale_version_rejects_the_whole_commit(&make().await).await;
    delete_scope_removes_only_that_scope(&make().await).await;
    check_guards_a_commit_without_writing(&make().await).await;
    list_is_ordered_and_ranged(&make().await).await;
    list_all_spans_scopes(&make().await).await;
    touch_serialises_commits_on_a_parent(&make().await).await;
    present_expectation_requires_a_record(&make().await).await;
}

async fn touch_serialises_commits_on_a_parent(store: &dyn Store) {
    let parent = key(Kind::RestApi, "", "a");
    store
        .commit(vec![put(&parent, "p", Expect::Absent)])
        .await
        .expect("parent");
    let touch = |version| Write::Touch {
        key: parent.clone(),
        expect: Expect::Version(version),
    };
    store
        .commit(vec![
            touch(1),
            put(&key(Kind::Stage, "a", "dev"), "1", Expect::Absent),
        ])
        .await
        .expect("first child");
    let err = store
        .commit(vec![
            touch(1),
            put(&key(Kind::Stage, "a", "prod"), "1", Expect::Absent),
        ])
        .await
        .expect_err("stale parent version");
    assert!(matches!(err, StoreError::Conflict(_)));
    let record = store.get(&parent).await.expect("get").expect("parent");
    assert_eq!(
        (record.version, record.body.as_slice()),
        (2, b"p".as_slice())
    );
}

async fn present_expectation_requires_a_record(store: &dyn Store) {
    let k = key(Kind::Deployment, "a", "d1");
    let check = || Write::Check {
        key: k.clone(),
        expect: Expect::Present,
    };
    assert!(store.commit(vec![check()]).await.is_err());
    store
        .commit(vec![put(&k, "d", Expect::Absent)])
        .await
        .expect("seed");
    store.commit(vec![check()]).await.expect("present");
}

fn key(kind: Kind, scope: &str, id: &str) -> Key {
    Key::new(kind, scope, id)
}

fn put(key: &Key, body: &str, expect: Expect) -> Write {
    Write::Put {
        key: key.clone(),
        body: body.as_bytes().to_vec(),
        expect,
    }
}

async fn put_then_get_returns_body_and_version(store: &dyn Store) {
    let k = key(Kind::RestApi, "", "a");
    assert!(store.get(&k).await.expect("get").is_none());
    store
        .commit(vec![put(&k, "{}", Expect::Absent)])
        .await
        .expect("commit");
    let record = store.get(&k).await.expect("get").expect("record");
    assert_eq!(record.body, b"{}");
    assert_eq!(record.version, 1);
}

async fn versions_increase_on_every_put(store: &dyn Store) {
    let k = key(Kind::RestApi, "", "a");
    store
        .commit(vec![put(&k, "1", Expect::Absent)])
        .await
        .expect("first");
    store
        .commit(vec![put(&k, "2", Expect::Version(1))])
        .await
        .expect("second");
    let record = store.get(&k).await.expect("get").expect("record");
    assert_eq!(
        (record.version, record.body.as_slice()),
        (2, b"2".as_slice())
    );
}

async fn absent_expectation_rejects_existing_record(store: &dyn Store) {
    let k = key(Kind::Stage, "api", "dev");
    store
        .commit(vec![put(&k, "1", Expect::Absent)])
        .await
        .expect("first");
    let err = store
        .commit(vec![put(&k, "2", Expect::Absent)])
        .await
        .expect_err("conflict");
    assert!(
        matches!(err, StoreError::Conflict(ref conflict) if conflict == &k),
        "{err:?}"
    );
    let record = store.get(&k).await.expect("get").expect("record");
    assert_eq!(record.body, b"1");
}

async fn stale_version_rejects_the_whole_commit(store: &dyn Store) {
    let a = key(Kind::RestApi, "", "a");
    let b = key(Kind::Stage, "a", "dev");
    store
        .commit(vec![put(&a, "1", Expect::Absent)])
        .await
        .expect("seed");
    store
        .commit(vec![put(&a, "2", Expect::Version(1))])
        .await
        .expect("bump");
    let err = store
        .commit(vec![
            put(&b, "x", Expect::Absent),
            put(&a, "3", Expect::Version(1)),
        ])
        .await
        .expect_err("stale");
    assert!(matches!(err, StoreError::Conflict(_)));
    assert!(
        store.get(&b).await.expect("get").is_none(),
        "partial commit leaked"
    );
}

async fn delete_scope_removes_only_that_scope(store: &dyn Store) {
    store
        .commit(vec![
            put(&key(Kind::Stage, "a", "dev"), "1", Expect::Any),
            put(&key(Kind::Stage, "a", "prod"), "1", Expect::Any),
            put(&key(Kind::Stage, "b", "dev"), "1", Expect::Any),
            put(&key(Kind::Deployment, "a", "d1"), "1", Expect::Any),
        ])
        .await
        .expect("seed");
    store
        .commit(vec![Write::DeleteScope {
            kind: Kind::Stage,
            scope: "a".into(),
        }])
        .await
        .expect("delete scope");
    assert!(
        store
            .list(Kind::Stage, "a", Range::default())
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store
            .list(Kind::Stage, "b", Range::default())
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        store
            .list(Kind::Deployment, "a", Range::default())
            .await
            .expect("list")
            .len(),
        1
    );
    let k = key(Kind::Stage, "b", "dev");
    store
        .commit(vec![Write::Delete {
            key: k.clone(),
            expect: Expect::Version(1),
        }])
        .await
        .expect("delete");
    assert!(store.get(&k).await.expect("get").is_none());
}

async fn check_guards_a_commit_without_writing(store: &dyn Store) {
    let parent = key(Kind::RestApi, "", "a");
    let child = key(Kind::Stage, "a", "dev");
    let err = store
        .commit(vec![
            Write::Check {
                key: parent.clone(),
                expect: Expect::Version(1),
            },
            put(&child, "1", Expect::Absent),
        ])
        .await
        .expect_err("missing parent");
    assert!(matches!(err, StoreError::Conflict(_)));
    store
        .commit(vec![put(&parent, "p", Expect::Absent)])
        .await
        .expect("parent");
    store
        .commit(vec![
            Write::Check {
                key: parent.clone(),
                expect: Expect::Version(1),
            },
            put(&child, "1", Expect::Absent),
        ])
        .await
        .expect("guarded write");
    assert_eq!(
        store
            .get(&parent)
            .await
            .expect("get")
            .expect("parent")
            .version,
        1
    );
}

async fn list_is_ordered_and_ranged(store: &dyn Store) {
    let writes = ["c", "a", "d", "b"]
        .iter()
        .map(|id| put(&key(Kind::RestApi, "", id), id, Expect::Absent))
        .collect();
    store.commit(writes).await.expect("seed");
    let ids =
        |records: Vec<crate::Record>| records.into_iter().map(|r| r.key.id).collect::<Vec<_>>();
    let all = store
        .list(Kind::RestApi, "", Range::default())
        .await
        .expect("list");
    assert_eq!(ids(all), ["a", "b", "c", "d"]);
    let page = store
        .list(
            Kind::RestApi,
            "",
            Range {
                after: Some("a".into()),
                limit: Some(2),
            },
        )
        .await
        .expect("page");
    assert_eq!(ids(page), ["b", "c"]);
}

async fn list_all_spans_scopes(store: &dyn Store) {
    store
        .commit(vec![
            put(&key(Kind::Stage, "b", "dev"), "1", Expect::Any),
            put(&key(Kind::Stage, "a", "prod"), "1", Expect::Any),
            put(&key(Kind::RestApi, "", "a"), "1", Expect::Any),
        ])
        .await
        .expect("seed");
    let stages = store.list_all(Kind::Stage).await.expect("list_all");
    let keys: Vec<(String, String)> = stages
        .into_iter()
        .map(|r| (r.key.scope, r.key.id))
        .collect();
    assert_eq!(
        keys,
        [("a".into(), "prod".into()), ("b".into(), "dev".into())]
    );
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn memory_store_conforms() {
        super::run_all(|| async { crate::MemoryStore::default() }).await;
    }
}
