//! `Count`: the one whole-number type of every option that counts
//! (samples, seeds, threads, resamples), parsed the same way everywhere.

use schemars::JsonSchema;
use std::fmt;
use std::str::FromStr;

/// The largest whole number a float names exactly: a count written with an
/// exponent (`1e6`) may not be larger.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A whole number: `1000000`, `1_000_000` or `1e6` on the command line; a
/// JSON integer, or a JSON number that names a whole number (`1e6`, at most
/// 2^53), in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Count(pub u64);

impl Count {
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Count {
    fn from(n: u64) -> Self {
        Count(n)
    }
}

/// A float that names a whole number, as a count.
fn whole(x: f64) -> Result<Count, String> {
    if !(x >= 0.0 && x.fract() == 0.0) {
        Err(format!("must be a whole number, got {x}"))
    } else if x > EXACT_FLOAT_LIMIT {
        Err(format!(
            "must be at most 2^53 written with an exponent or a fraction (or a whole number \
             below 2^64 written out), got {x}"
        ))
    } else {
        Ok(Count(x as u64))
    }
}

impl FromStr for Count {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let digits = text.trim().replace('_', "");
        if let Ok(n) = digits.parse::<u64>() {
            return Ok(Count(n));
        }
        match digits.parse::<f64>() {
            Ok(x) => whole(x).map_err(|_| format!("'{text}' is not a whole number")),
            Err(_) => Err(format!("'{text}' is not a whole number")),
        }
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Count;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count(n))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n)
                    .map(Count)
                    .map_err(|_| E::custom(format!("must be a whole number, got {n}")))
            }

            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Count, E> {
                whole(x).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for Count {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // A JSON number with a zero fraction is an integer to JSON Schema,
        // so `1e6` validates as one.
        schemars::json_schema!({ "type": "integer", "minimum": 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::Count;

    #[test]
    fn every_documented_spelling_parses() {
        for (text, n) in [
            ("1000000", 1_000_000),
            ("1_000_000", 1_000_000),
            ("1e6", 1_000_000),
            ("2.5e3", 2500),
            ("18446744073709551615", u64::MAX),
        ] {
            assert_eq!(text.parse::<Count>(), Ok(Count(n)), "{text}");
        }
        for text in ["1.5", "-3", "lots", "1e300", ""] {
            assert!(text.parse::<Count>().is_err(), "{text}");
        }
    }

    #[test]
    fn json_numbers_that_name_whole_numbers_are_counts() {
        let parse = |json: &str| serde_json::from_str::<Count>(json).map_err(|e| e.to_string());
        assert_eq!(parse("1000000"), Ok(Count(1_000_000)));
        assert_eq!(parse("1e6"), Ok(Count(1_000_000)));
        assert_eq!(parse("1.0"), Ok(Count(1)));
        assert_eq!(parse("18446744073709551615"), Ok(Count(u64::MAX)));
        assert!(
            parse("1.5")
                .unwrap_err()
                .contains("must be a whole number, got 1.5")
        );
        assert!(
            parse("-1")
                .unwrap_err()
                .contains("must be a whole number, got -1")
        );
        assert!(
            parse("1e17").is_err(),
            "above 2^53 a float names no exact count"
        );
        assert!(parse("\"1e6\"").is_err(), "a string is not a JSON number");
    }
}
