//! The client's cookie jar: off by default, kept across redirects, shared when asked.

use bytes::Bytes;
use futures::executor::block_on;

use super::tests::{Reply, client, client_with, ok, status};
use super::*;

#[test]
fn the_cookie_jar_keeps_cookies_of_redirects_and_is_off_by_default() {
    let handler = |request: &http::Request<Bytes>| match request.uri().path() {
        "/login" => Reply::Response {
            status: 302,
            headers: vec![
                ("location", "/home".to_owned()),
                ("set-cookie", "session=s3cr3t; Path=/; HttpOnly".to_owned()),
            ],
            chunks: vec![],
            then_stall: false,
        },
        _ => status(200, vec![]),
    };
    let (plain, transport) = client(handler);
    block_on(plain.get("http://h/login").send()).unwrap();
    assert!(plain.cookie_jar().is_none());
    assert!(
        !transport.seen.lock().unwrap()[1]
            .headers()
            .contains_key("cookie")
    );

    let (jarred, transport) = client_with(
        HttpSettings::default().with_cookie_store(true),
        false,
        handler,
    );
    block_on(jarred.get("http://h/login").send()).unwrap();
    block_on(jarred.get("http://h/later").send()).unwrap();
    block_on(jarred.get("http://elsewhere/").send()).unwrap();
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[1].headers()["cookie"], "session=s3cr3t");
    assert_eq!(seen[2].headers()["cookie"], "session=s3cr3t");
    assert!(seen[2].headers()["cookie"].is_sensitive());
    assert!(!seen[3].headers().contains_key("cookie"), "another host");
    assert_eq!(jarred.cookie_jar().unwrap().len(), 1);
    assert!(!format!("{jarred:?}").contains("s3cr3t"));
}

#[test]
fn a_shared_jar_serves_every_client_built_with_it() {
    let jar = CookieJar::new();
    let settings = HttpSettings::default().with_cookie_jar(jar.clone());
    let (first, _) = client_with(settings.clone(), false, |_| {
        status(200, vec![("set-cookie", "shared=1".to_owned())])
    });
    let (second, transport) = client_with(settings, false, |_| ok(""));
    block_on(first.get("http://h/").send()).unwrap();
    block_on(second.get("http://h/").send()).unwrap();
    assert_eq!(
        transport.seen.lock().unwrap()[0].headers()["cookie"],
        "shared=1"
    );
    assert_eq!(jar.len(), 1);
}
