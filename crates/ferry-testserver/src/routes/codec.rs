//! Compressing route bodies: whole bodies in any coding, and long streams built from one
//! compressed unit repeated, so that a body of gigabytes costs the server no compression work.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};

use bytes::{BufMut, Bytes, BytesMut};

use super::ReplyBody;
use super::data::item_json;

/// The decoded size of one repeated unit of a [`stream`].
pub(crate) const UNIT: usize = 1024 * 1024;

/// A coding a route can apply. `DeflateRaw` is a raw deflate stream (no zlib wrapper) sent
/// as `deflate`, which some servers do and browsers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
    DeflateRaw,
    Brotli,
    Zstd,
    Identity,
}

impl Coding {
    /// The coding a route parameter names (`x-gzip` is `gzip`).
    pub(crate) fn parse(name: &str) -> Option<Coding> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "deflate-raw" => Coding::DeflateRaw,
            "br" => Coding::Brotli,
            "zstd" => Coding::Zstd,
            "identity" => Coding::Identity,
            _ => return None,
        })
    }

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate | Coding::DeflateRaw => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
            Coding::Identity => "identity",
        }
    }

    /// `data` in this coding.
    pub(crate) fn encode(self, data: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail, so the io::Results below are infallible.
        fn done(result: std::io::Result<Vec<u8>>) -> Vec<u8> {
            result.unwrap_or_default()
        }
        let level = flate2::Compression::default();
        match self {
            Coding::Identity => data.to_vec(),
            Coding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
                done(encoder.write_all(data).and_then(|()| encoder.finish()))
            }
            Coding::Deflate => {
                let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
                done(encoder.write_all(data).and_then(|()| encoder.finish()))
            }
            Coding::DeflateRaw => {
                let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), level);
                done(encoder.write_all(data).and_then(|()| encoder.finish()))
            }
            Coding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut encoder = brotli::CompressorWriter::new(&mut out, 64 * 1024, 5, 22);
                    let _ = encoder.write_all(data);
                }
                out
            }
            Coding::Zstd => done(zstd_frame(data)),
        }
    }
}

/// One zstd frame with its checksum, so that a corrupted frame is detected.
fn zstd_frame(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3)?;
    encoder.include_checksum(true)?;
    encoder.write_all(data)?;
    encoder.finish()
}

/// `len` bytes of text that compresses like real API data: JSON items, one per line.
///
/// ```
/// let text = ferry_testserver::routes::compressible_text(100);
/// assert_eq!(text.len(), 100);
/// assert!(text.starts_with(br#"{"id":1,"#));
/// ```
pub fn compressible_text(len: usize) -> Bytes {
    static TEXT: OnceLock<Bytes> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        let mut text = String::with_capacity(UNIT + 64);
        let mut id = 1;
        while text.len() < UNIT {
            text.push_str(&item_json(id));
            text.push('\n');
            id += 1;
        }
        text.truncate(UNIT);
        Bytes::from(text)
    });
    if len <= text.len() {
        return text.slice(..len);
    }
    let mut long = BytesMut::with_capacity(len);
    while long.len() < len {
        let take = (len - long.len()).min(text.len());
        long.put_slice(&text[..take]);
    }
    long.freeze()
}

/// What one decoded unit of a stream is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Filler {
    /// Zero bytes: a decompression bomb.
    Zeros,
    /// [`compressible_text`].
    Text,
}

impl Filler {
    fn bytes(self, len: usize) -> Bytes {
        match self {
            Filler::Zeros => Bytes::from(vec![0; len]),
            Filler::Text => compressible_text(len),
        }
    }
}

/// A body of `size` decoded bytes in `coding` (gzip, deflate or zstd), as a few bytes of
/// header, one compressed unit repeated, and a tail; `None` for a coding that cannot be built
/// this way (brotli streams do not concatenate).
///
/// For gzip and deflate the unit is a run of deflate blocks compressed from a fresh state and
/// ended by a full flush: it refers to nothing before it, ends on a byte boundary and is not
/// final, so any number of copies is one valid deflate stream. The trailer's checksum of the
/// whole is combined from the unit's. For zstd each unit is a frame of its own.
pub(crate) fn stream(coding: Coding, filler: Filler, size: u64) -> Option<ReplyBody> {
    let unit_data = filler.bytes(UNIT);
    let count = size / UNIT as u64;
    let rest = (size % UNIT as u64) as usize;
    let rest_data = unit_data.slice(..rest);
    let body = match coding {
        Coding::Gzip | Coding::Deflate => {
            let unit = cached_unit(coding, filler, || deflate_blocks(&unit_data));
            let mut tail = if rest > 0 {
                deflate_blocks(&rest_data)
            } else {
                Vec::new()
            };
            // An empty final block with fixed codes: the end of the deflate stream.
            tail.extend_from_slice(&[0x03, 0x00]);
            if coding == Coding::Gzip {
                let mut crc = repeat_crc(&unit_data, count);
                let mut rest_crc = crc32fast::Hasher::new();
                rest_crc.update(&rest_data);
                crc.combine(&rest_crc);
                tail.extend_from_slice(&crc.finalize().to_le_bytes());
                tail.extend_from_slice(&(size as u32).to_le_bytes());
                ReplyBody::Repeated {
                    head: Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
                    unit,
                    count,
                    tail: Bytes::from(tail),
                }
            } else {
                let adler = Adler::of(&unit_data)
                    .repeat(count)
                    .then(Adler::of(&rest_data));
                tail.extend_from_slice(&adler.value.to_be_bytes());
                ReplyBody::Repeated {
                    head: Bytes::from_static(&[0x78, 0x9c]),
                    unit,
                    count,
                    tail: Bytes::from(tail),
                }
            }
        }
        Coding::Zstd => ReplyBody::Repeated {
            head: Bytes::new(),
            unit: cached_unit(coding, filler, || {
                zstd_frame(&unit_data).unwrap_or_default()
            }),
            count,
            tail: if rest > 0 {
                Bytes::from(zstd_frame(&rest_data).ok()?)
            } else {
                Bytes::new()
            },
        },
        Coding::DeflateRaw | Coding::Brotli | Coding::Identity => return None,
    };
    Some(body)
}

/// The compressed unit of `coding` and `filler`, made once per process: compressing a MiB
/// per request would make every streamed request cost a compression.
fn cached_unit(coding: Coding, filler: Filler, make: impl FnOnce() -> Vec<u8>) -> Bytes {
    type Units = Mutex<HashMap<(Coding, Filler), Bytes>>;
    static UNITS: OnceLock<Units> = OnceLock::new();
    // gzip and zlib wrap the same deflate blocks.
    let key = match coding {
        Coding::Gzip => Coding::Deflate,
        other => other,
    };
    let units = UNITS.get_or_init(Units::default);
    if let Some(unit) = super::lock(units).get(&(key, filler)) {
        return unit.clone();
    }
    let unit = Bytes::from(make());
    super::lock(units).insert((key, filler), unit.clone());
    unit
}

/// `size` zero bytes compressed as brotli, written in pieces so that the zeros are never held
/// whole (the output is tiny).
pub(crate) fn brotli_zeros(size: u64) -> Bytes {
    let zeros = [0u8; 64 * 1024];
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 64 * 1024, 5, 24);
        let mut left = size;
        while left > 0 {
            let take = left.min(zeros.len() as u64) as usize;
            if encoder.write_all(&zeros[..take]).is_err() {
                break;
            }
            left -= take as u64;
        }
    }
    Bytes::from(out)
}

/// Raw deflate blocks of `data` from a fresh compressor, ended by a sync flush (byte aligned,
/// not final).
fn deflate_blocks(data: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    if encoder
        .write_all(data)
        .and_then(|()| encoder.flush())
        .is_err()
    {
        return Vec::new();
    }
    std::mem::take(encoder.get_mut())
}

/// The CRC-32 of `count` copies of `unit`, combined by squaring rather than hashed byte by
/// byte.
fn repeat_crc(unit: &[u8], mut count: u64) -> crc32fast::Hasher {
    let mut power = crc32fast::Hasher::new();
    power.update(unit);
    let mut total = crc32fast::Hasher::new();
    while count > 0 {
        if count & 1 == 1 {
            total.combine(&power);
        }
        let square = power.clone();
        power.combine(&square);
        count >>= 1;
    }
    total
}

/// An Adler-32 checksum with the length it covers, so that two can be combined (zlib's
/// `adler32_combine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Adler {
    value: u32,
    len: u64,
}

const ADLER_BASE: u64 = 65_521;

impl Adler {
    const EMPTY: Adler = Adler { value: 1, len: 0 };

    fn of(data: &[u8]) -> Adler {
        let (mut a, mut b) = (1u64, 0u64);
        // 5552 bytes is the most that cannot overflow the sums before the modulo (zlib's NMAX).
        for chunk in data.chunks(5552) {
            for &byte in chunk {
                a += u64::from(byte);
                b += a;
            }
            a %= ADLER_BASE;
            b %= ADLER_BASE;
        }
        Adler {
            value: ((b << 16) | a) as u32,
            len: data.len() as u64,
        }
    }

    /// The checksum of this data followed by `next`'s.
    fn then(self, next: Adler) -> Adler {
        let rem = next.len % ADLER_BASE;
        let a1 = u64::from(self.value & 0xffff);
        let b1 = u64::from(self.value >> 16);
        let a2 = u64::from(next.value & 0xffff);
        let b2 = u64::from(next.value >> 16);
        let a = (a1 + a2 + ADLER_BASE - 1) % ADLER_BASE;
        let b = (rem * a1 % ADLER_BASE + b1 + b2 + ADLER_BASE - rem) % ADLER_BASE;
        Adler {
            value: ((b << 16) | a) as u32,
            len: self.len + next.len,
        }
    }

    fn repeat(self, mut count: u64) -> Adler {
        let (mut power, mut total) = (self, Adler::EMPTY);
        while count > 0 {
            if count & 1 == 1 {
                total = total.then(power);
            }
            power = power.then(power);
            count >>= 1;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn flatten(body: &ReplyBody) -> Vec<u8> {
        let ReplyBody::Repeated {
            head,
            unit,
            count,
            tail,
        } = body
        else {
            panic!("not a repeated body: {body:?}");
        };
        let mut all = head.to_vec();
        for _ in 0..*count {
            all.extend_from_slice(unit);
        }
        all.extend_from_slice(tail);
        all
    }

    #[test]
    fn combined_adler_matches_the_direct_checksum() {
        let data = compressible_text(3 * 7000 + 11);
        let (a, b) = data.split_at(7000);
        assert_eq!(Adler::of(a).then(Adler::of(b)), Adler::of(&data));
        assert_eq!(Adler::of(&data[..7000]).repeat(3).value, {
            let mut three = data[..7000].to_vec();
            three.extend_from_slice(&data[..7000]);
            three.extend_from_slice(&data[..7000]);
            Adler::of(&three).value
        });
    }

    #[test]
    fn repeated_streams_decode_to_the_whole_size_with_valid_checksums() {
        let size = 2 * UNIT as u64 + 12_345;
        let expected: Vec<u8> = {
            let unit = compressible_text(UNIT);
            let mut all = Vec::new();
            all.extend_from_slice(&unit);
            all.extend_from_slice(&unit);
            all.extend_from_slice(&unit[..12_345]);
            all
        };
        let gzip = flatten(&stream(Coding::Gzip, Filler::Text, size).unwrap());
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert!(decoded == expected, "gzip stream decodes to the text");
        let zlib = flatten(&stream(Coding::Deflate, Filler::Text, size).unwrap());
        let mut decoded = Vec::new();
        flate2::read::ZlibDecoder::new(&zlib[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert!(decoded == expected, "zlib stream decodes to the text");
        let zstd = flatten(&stream(Coding::Zstd, Filler::Text, size).unwrap());
        assert!(zstd::stream::decode_all(&zstd[..]).unwrap() == expected);
    }

    #[test]
    fn a_bomb_is_small_on_the_wire() {
        let body = stream(Coding::Gzip, Filler::Zeros, 64 * UNIT as u64).unwrap();
        let ReplyBody::Repeated { unit, .. } = &body else {
            panic!("not repeated")
        };
        assert!(unit.len() < 2048, "{} bytes per MiB", unit.len());
        let br = brotli_zeros(16 * UNIT as u64).len();
        assert!(br < 16 * 1024, "{br} bytes of brotli for 16 MiB");
    }

    #[test]
    fn whole_bodies_round_trip_in_every_coding() {
        let text = compressible_text(50_000);
        let mut raw = Vec::new();
        flate2::read::DeflateDecoder::new(&Coding::DeflateRaw.encode(&text)[..])
            .read_to_end(&mut raw)
            .unwrap();
        assert!(raw == text);
        let mut br = Vec::new();
        brotli::Decompressor::new(&Coding::Brotli.encode(&text)[..], 4096)
            .read_to_end(&mut br)
            .unwrap();
        assert!(br == text);
        assert!(Coding::Gzip.encode(&text).len() < text.len() / 3);
    }
}
