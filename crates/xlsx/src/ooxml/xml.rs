//! Streaming one part through quick-xml with a byte cap and a depth limit; attribute and
//! message helpers.

#[allow(unused_imports)]
use super::*;
use crate::MAX_XML_DEPTH;
use crate::error::CellError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::io::{self, BufReader, Cursor, Read};

/// A reader that fails once more than its allowance has been read.
pub(super) struct Capped<R> {
    pub(super) inner: R,
    pub(super) left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self
            .left
            .checked_sub(n as u64)
            .ok_or_else(|| io::Error::other(PartTooLarge))?;
        Ok(n)
    }
}

#[derive(Debug)]
pub(super) struct PartTooLarge;

impl std::fmt::Display for PartTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("part too large")
    }
}

impl std::error::Error for PartTooLarge {}

/// What a part's handler sees: elements by local name, and text with entities resolved.
pub(super) enum Ev<'e, 'b> {
    /// A start tag (an empty element `<c/>` is an `Open` followed by a `Close`).
    Open(&'e BytesStart<'b>),
    /// An end tag's local name.
    Close(&'e str),
    /// Text (character data, CDATA or a resolved entity reference).
    Text(&'e str),
}

/// A zip entry's bytes, capped and buffered.
pub(super) type PartInput<'z, 'a> = BufReader<Capped<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>;

/// One part being parsed.
pub(super) struct Xml<'z, 'a> {
    pub(super) reader: Reader<PartInput<'z, 'a>>,
    pub(super) part: String,
    /// The most bytes read of the part (for the message when it is larger).
    pub(super) max_bytes: usize,
}

impl Xml<'_, '_> {
    /// Runs `handle` on every event; stops at the first error (malformed XML, too deep, too
    /// large, or one the handler returns).
    pub(super) fn parse(
        &mut self,
        mut handle: impl FnMut(Ev<'_, '_>) -> Result<(), CellError>,
    ) -> Result<(), CellError> {
        let mut buf = Vec::new();
        let mut depth = 0usize;
        loop {
            let event = match self.reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(&e)),
            };
            match event {
                Event::Start(e) => {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(CellError::file(
                            "xlsx.error.xml_depth",
                            &[("part", &self.part), ("max", &MAX_XML_DEPTH)],
                        ));
                    }
                    handle(Ev::Open(&e))?;
                }
                Event::Empty(e) => {
                    handle(Ev::Open(&e))?;
                    let name = e.local_name();
                    handle(Ev::Close(name.as_ref()))?;
                }
                Event::End(e) => {
                    depth = depth.saturating_sub(1);
                    let name = e.local_name();
                    handle(Ev::Close(name.as_ref()))?;
                }
                Event::Text(e) => {
                    let text = e.xml10_content();
                    handle(Ev::Text(&text))?;
                }
                Event::CData(e) => {
                    let text = e.xml10_content();
                    handle(Ev::Text(&text))?;
                }
                Event::GeneralRef(e) => {
                    let mut utf8 = [0u8; 4];
                    let text: &str = match e.resolve_char_ref() {
                        Ok(Some(c)) => c.encode_utf8(&mut utf8),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&e) {
                            Some(s) => s,
                            None => {
                                return Err(self
                                    .detail_error(&format!("unknown entity &{};", truncate(&e))));
                            }
                        },
                        Err(err) => return Err(self.xml_error(&err)),
                    };
                    handle(Ev::Text(text))?;
                }
                Event::Eof => {
                    if depth != 0 {
                        return Err(self.detail_error("unexpected end of the part"));
                    }
                    return Ok(());
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
            buf.clear();
        }
    }

    pub(super) fn xml_error(&self, e: &quick_xml::Error) -> CellError {
        if let quick_xml::Error::Io(io) = e
            && io.get_ref().is_some_and(|inner| inner.is::<PartTooLarge>())
        {
            return CellError::file(
                "xlsx.error.part_too_large",
                &[("part", &self.part), ("max", &self.max_bytes)],
            );
        }
        let position = self.reader.error_position();
        self.detail_error(&format!("{} (byte {position})", truncate(&e.to_string())))
    }

    pub(super) fn detail_error(&self, detail: &str) -> CellError {
        CellError::file(
            "xlsx.error.part_xml",
            &[("part", &self.part), ("detail", &detail)],
        )
    }
}

/// The value of the attribute with local name `name` (first one if repeated), unescaped.
pub(super) fn attr(
    e: &BytesStart<'_>,
    name: &str,
    part: &str,
) -> Result<Option<String>, CellError> {
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for a in attributes {
        let a = a.map_err(|err| {
            CellError::file(
                "xlsx.error.part_xml",
                &[("part", &part), ("detail", &truncate(&err.to_string()))],
            )
        })?;
        if a.key.local_name().as_ref() == name {
            let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|err| {
                CellError::file(
                    "xlsx.error.part_xml",
                    &[("part", &part), ("detail", &truncate(&err.to_string()))],
                )
            })?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// At most [`QUOTE_CHARS`] characters of `s`, for messages.
pub(super) fn truncate(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `s` shortened and quoted for a message.
pub(super) fn quote(s: &str) -> String {
    truncate(s)
}
