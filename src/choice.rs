//! Options that take one of a few named values (`--design qmc`,
//! `"interval": "clopper-pearson"`). `choice!` declares such an enum with
//! each value's spelling and meaning written once; from that one list come
//! the parser every shell uses (`FromStr`, serde), the JSON Schema of the
//! HTTP API (an `enum` of the spellings) and, with the `cli` feature,
//! clap's `ValueEnum` with each value's help.

/// Declares a choice enum:
///
/// ```ignore
/// choice! {
///     /// How a run draws its uniforms.
///     pub enum Design {
///         /// Independent draws.
///         Mc = "mc",
///         /// A Latin hypercube within each chunk.
///         Lhs = "lhs",
///     }
/// }
/// ```
///
/// A spelling is any constant `&'static str` expression, so a choice that
/// shares values with another spells them through it
/// (`Csv = TableFormat::Csv.name()`) instead of writing them again.
macro_rules! choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $variant:ident = $spelling:expr
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[doc = $doc])* $variant ),+
        }

        impl $name {
            /// Every value, in the order help texts list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as options spell it.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $spelling),+
                }
            }

            /// What the value means, for help texts (empty if undocumented).
            pub fn help(self) -> &'static str {
                match self {
                    $($name::$variant => concat!("" $(, $doc)*).trim()),+
                }
            }

            /// The spellings, comma-separated, for messages.
            pub fn names() -> String {
                Self::ALL
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.name() == text)
                    .ok_or_else(|| format!("'{text}' is not one of {}", Self::names()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let names: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
                schemars::json_schema!({ "type": "string", "enum": names })
            }
        }

        #[cfg(feature = "cli")]
        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                let value = clap::builder::PossibleValue::new(self.name());
                Some(match self.help() {
                    "" => value,
                    help => value.help(help),
                })
            }
        }
    };
}

pub(crate) use choice;

#[cfg(test)]
mod tests {
    choice! {
        /// A test choice.
        enum Colour {
            /// Like the sky.
            Blue = "blue",
            Sea = Colour::Blue.name(),
            DarkRed = "dark-red",
        }
    }

    #[test]
    fn one_spelling_serves_every_parser() {
        assert_eq!("dark-red".parse::<Colour>(), Ok(Colour::DarkRed));
        assert_eq!(
            "red".parse::<Colour>(),
            Err("'red' is not one of blue, blue, dark-red".to_string())
        );
        assert_eq!(Colour::Sea.name(), "blue");
        assert_eq!(Colour::Blue.help(), "Like the sky.");
        assert_eq!(Colour::DarkRed.help(), "");
        assert_eq!(
            serde_json::to_string(&Colour::DarkRed).unwrap(),
            "\"dark-red\""
        );
        let back: Colour = serde_json::from_str("\"dark-red\"").unwrap();
        assert_eq!(back, Colour::DarkRed);
        let wrong = serde_json::from_str::<Colour>("\"red\"").unwrap_err();
        assert!(wrong.to_string().contains("'red' is not one of"), "{wrong}");
        let schema = schemars::schema_for!(Colour);
        assert_eq!(
            schema.get("enum"),
            Some(&serde_json::json!(["blue", "blue", "dark-red"]))
        );
    }
}
