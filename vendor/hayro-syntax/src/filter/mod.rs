//! Results from decoding filtered data streams.

mod ascii_85;
pub(crate) mod ascii_hex;
#[cfg(feature = "images")]
mod ccitt;
#[cfg(feature = "images")]
mod dct;
#[cfg(feature = "images")]
mod jbig2;
#[cfg(feature = "images")]
mod jpx;
mod lzw_flate;
mod png;
mod run_length;

use crate::object::Dict;
use crate::object::Name;

// yusuan patch (vendor/README.md): a bound on what one stream may decode to.

/// The most bytes one stream may decode to (Flate, LZW, run-length); a stream that would
/// decode to more fails to decode and is counted by [`decode_limit_hits`].
pub const MAX_DECODED_LEN: usize = 256 << 20;

#[cfg(feature = "std")]
std::thread_local! {
    static LIMIT_HITS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    static MAX_LEN: core::cell::Cell<usize> = const { core::cell::Cell::new(MAX_DECODED_LEN) };
    static FAILURES: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// How many streams decoded on this thread so far were damaged: not decoded at all, or
/// (Flate) only by the lenient decoder, which returns what it can of a corrupt stream. A
/// reader compares it around a page to tell a page whose content or fonts were lost or
/// garbled from one that is whole.
pub fn decode_failures() -> usize {
    #[cfg(feature = "std")]
    {
        FAILURES.with(|h| h.get())
    }
    #[cfg(not(feature = "std"))]
    {
        0
    }
}

pub(crate) fn note_decode_failure() {
    #[cfg(feature = "std")]
    FAILURES.with(|h| h.set(h.get() + 1));
}

/// Sets the most bytes one stream decoded on this thread may decode to (by default
/// [`MAX_DECODED_LEN`]).
pub fn set_max_decoded_len(bytes: usize) {
    #[cfg(feature = "std")]
    MAX_LEN.with(|m| m.set(bytes));
    #[cfg(not(feature = "std"))]
    let _ = bytes;
}

/// The most bytes one stream decoded on this thread may decode to.
pub fn max_decoded_len() -> usize {
    #[cfg(feature = "std")]
    {
        MAX_LEN.with(|m| m.get())
    }
    #[cfg(not(feature = "std"))]
    {
        MAX_DECODED_LEN
    }
}

/// How many streams decoded on this thread so far were refused for decoding to more than
/// [`MAX_DECODED_LEN`] bytes.
pub fn decode_limit_hits() -> usize {
    #[cfg(feature = "std")]
    {
        LIMIT_HITS.with(|h| h.get())
    }
    #[cfg(not(feature = "std"))]
    {
        0
    }
}

/// Counts a stream refused for its decoded size (see [`MAX_DECODED_LEN`]).
pub(crate) fn note_limit_hit() {
    #[cfg(feature = "std")]
    LIMIT_HITS.with(|h| h.set(h.get() + 1));
}
use crate::object::dict::keys::*;
use crate::object::stream::{DecodeFailure, FilterResult, ImageDecodeParams};
use core::ops::Deref;

/// A data filter.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Filter {
    /// ASCII hexadecimal encoding.
    AsciiHexDecode,
    /// ASCII base-85 encoding.
    Ascii85Decode,
    /// Lempel-Ziv-Welch (LZW) compression.
    LzwDecode,
    /// DEFLATE compression (zlib/gzip).
    FlateDecode,
    /// Run-length encoding compression.
    RunLengthDecode,
    /// CCITT Group 3 or Group 4 fax compression.
    CcittFaxDecode,
    /// JBIG2 compression for bi-level images.
    Jbig2Decode,
    /// JPEG (DCT) compression.
    DctDecode,
    /// JPEG 2000 compression.
    JpxDecode,
    /// Encryption filter.
    Crypt,
}

impl Filter {
    pub(crate) fn from_name(name: Name<'_>) -> Option<Self> {
        match name.deref() {
            ASCII_HEX_DECODE | ASCII_HEX_DECODE_ABBREVIATION => Some(Self::AsciiHexDecode),
            ASCII85_DECODE | ASCII85_DECODE_ABBREVIATION => Some(Self::Ascii85Decode),
            LZW_DECODE | LZW_DECODE_ABBREVIATION => Some(Self::LzwDecode),
            FLATE_DECODE | FLATE_DECODE_ABBREVIATION => Some(Self::FlateDecode),
            RUN_LENGTH_DECODE | RUN_LENGTH_DECODE_ABBREVIATION => Some(Self::RunLengthDecode),
            CCITTFAX_DECODE | CCITTFAX_DECODE_ABBREVIATION => Some(Self::CcittFaxDecode),
            JBIG2_DECODE => Some(Self::Jbig2Decode),
            DCT_DECODE | DCT_DECODE_ABBREVIATION => Some(Self::DctDecode),
            JPX_DECODE => Some(Self::JpxDecode),
            CRYPT => Some(Self::Crypt),
            _ => None,
        }
    }

    pub(crate) fn apply(
        &self,
        data: &[u8],
        params: &Dict<'_>,
        #[cfg_attr(not(feature = "images"), allow(unused))] image_params: &ImageDecodeParams,
    ) -> Result<FilterResult<'static>, DecodeFailure> {
        // yusuan patch (vendor/README.md): failures are counted.
        let result = self.apply_inner(data, params, image_params);
        if matches!(result, Err(DecodeFailure::StreamDecode)) {
            note_decode_failure();
        }
        result
    }

    fn apply_inner(
        &self,
        data: &[u8],
        params: &Dict<'_>,
        #[cfg_attr(not(feature = "images"), allow(unused))] image_params: &ImageDecodeParams,
    ) -> Result<FilterResult<'static>, DecodeFailure> {
        match self {
            Self::AsciiHexDecode => ascii_hex::decode(data)
                .map(FilterResult::from_data)
                .ok_or(DecodeFailure::StreamDecode),
            Self::Ascii85Decode => ascii_85::decode(data)
                .map(FilterResult::from_data)
                .ok_or(DecodeFailure::StreamDecode),
            Self::RunLengthDecode => run_length::decode(data)
                .map(FilterResult::from_data)
                .ok_or(DecodeFailure::StreamDecode),
            Self::LzwDecode => lzw_flate::lzw::decode(data, params)
                .map(FilterResult::from_data)
                .ok_or(DecodeFailure::StreamDecode),
            Self::FlateDecode => lzw_flate::flate::decode(data, params)
                .map(FilterResult::from_data)
                .ok_or(DecodeFailure::StreamDecode),
            #[cfg(feature = "images")]
            Self::DctDecode => {
                dct::decode(data, params, image_params).ok_or(DecodeFailure::ImageDecode)
            }
            #[cfg(feature = "images")]
            Self::CcittFaxDecode => {
                ccitt::decode(data, params, image_params).ok_or(DecodeFailure::ImageDecode)
            }
            #[cfg(feature = "images")]
            Self::Jbig2Decode => {
                jbig2::decode(data, params, image_params).ok_or(DecodeFailure::ImageDecode)
            }
            #[cfg(feature = "images")]
            Self::JpxDecode => jpx::decode(data, image_params).ok_or(DecodeFailure::ImageDecode),
            #[cfg(not(feature = "images"))]
            Self::DctDecode | Self::CcittFaxDecode | Self::Jbig2Decode | Self::JpxDecode => {
                Err(DecodeFailure::ImageDecode)
            }
            _ => Err(DecodeFailure::StreamDecode),
        }
    }
}
