//! Fuzz harness (proptest, on stable): whatever the bytes, reading and verifying a package
//! never panics, and a package that verifies carries exactly the content that was signed.

mod common;

use common::*;
use kojo_exchange::package;
use proptest::prelude::*;
use std::sync::OnceLock;

fn good() -> &'static Vec<u8> {
    static P: OnceLock<Vec<u8>> = OnceLock::new();
    P.get_or_init(|| package_of(&doc(), &key().1, true))
}

fn check(bytes: &[u8]) {
    let (g, _) = key();
    if let Ok(v) = package::read(bytes).and_then(|u| u.verify(&g.public)) {
        // Whatever changed (zip metadata such as times or compression), what verifies is what
        // was signed.
        assert_eq!(v.doc, doc());
        assert!(v.check_document().is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&bytes);
        let mut z = b"PK\x03\x04".to_vec();
        z.extend_from_slice(&bytes);
        check(&z);
    }

    #[test]
    fn a_mutated_package_never_panics_and_never_verifies_other_content(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut bytes = good().clone();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check(&bytes);
    }

    #[test]
    fn a_truncated_package_never_panics(cut in any::<prop::sample::Index>()) {
        let bytes = good();
        check(&bytes[..cut.index(bytes.len())]);
    }
}
