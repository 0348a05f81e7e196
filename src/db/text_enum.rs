//! Kinds and statuses stored as text: one mapping from an enum to its code and back.
//!
//! [`text_enum!`] declares the enum with the code of each variant once; the same code is
//! the text in the database (diesel `FromSql`/`ToSql` for `Text`, on every backend), the
//! name the API reads and writes (serde) and the value the OpenAPI document lists
//! (utoipa). A stored code the enum does not know is an error of the query that read it
//! ([`UnknownCode`]), never a panic and never a silent default.

/// A code read from the database (or from a caller that must send a known one) that the
/// enum does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// What the enum is, e.g. "attendance status".
    pub what: &'static str,
    pub code: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// Declares an enum stored as text:
///
/// ```ignore
/// crate::db::text_enum! {
///     /// Where a batch stands.
///     pub enum BatchState("batch state") {
///         Running = "running",
///         Done = "done",
///     }
/// }
/// ```
///
/// The enum gets `ALL` (every value, in order), `code()`, `from_code()`, `Display`,
/// `FromStr`, serde and utoipa names equal to the codes, and diesel's mapping to `Text`,
/// so rows hold the enum itself and filters compare with it (`status.eq(BatchState::Done)`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The code: the text in the database, the API and forms.
            pub fn code(self) -> &'static str {
                match self {
                    $( $name::$variant => $code ),+
                }
            }

            /// The value whose code is exactly `code`.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The value of a code as a person entered it: surrounding blanks and case do
            /// not matter.
            // Declared for every kind; only those a person types (groups, question kinds)
            // call it.
            #[allow(dead_code)]
            pub fn from_entered(text: &str) -> Option<$name> {
                $name::from_code(&text.trim().to_lowercase())
            }

            /// The OpenAPI schema of an input field holding such a code as entered (text
            /// the use case checks, so a wrong one is refused naming the field): this
            /// enum, without the empty text as its default.
            pub fn schema_ref() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::Ref::from_schema_name(stringify!($name)).into()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::db::text_enum::UnknownCode;

            fn from_str(code: &str) -> Result<$name, Self::Err> {
                $name::from_code(code).ok_or_else(|| $crate::db::text_enum::UnknownCode {
                    what: $what,
                    code: code.to_string(),
                })
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok(text.parse::<$name>()?)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.code(),
                    out,
                )
            }
        }
    };
}

pub(crate) use text_enum;

/// Writes a list as one comma-separated string (`"ar,fa"`): how the API has always written
/// the lists that the database once kept in one text column, now rows.
pub fn comma_separated<T, S>(items: &[T], out: S) -> Result<S::Ok, S::Error>
where
    T: std::fmt::Display,
    S: serde::Serializer,
{
    let parts: Vec<String> = items.iter().map(T::to_string).collect();
    out.serialize_str(&parts.join(","))
}

#[cfg(test)]
mod tests {
    text_enum! {
        /// A test enum with a code that is not its variant's name.
        enum Colour("colour") {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn codes_round_trip_through_every_mapping() {
        for c in Colour::ALL {
            assert_eq!(Colour::from_code(c.code()), Some(c));
            assert_eq!(c.code().parse::<Colour>(), Ok(c));
            assert_eq!(c.to_string(), c.code());
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
            assert_eq!(serde_json::from_value::<Colour>(c.code().into()).unwrap(), c);
        }
    }

    #[test]
    fn an_unknown_code_is_an_error_naming_it() {
        let err = "blue".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "unknown colour \"blue\"");
        assert_eq!(Colour::from_code("Red"), None);
    }

    #[test]
    fn the_schema_lists_the_codes() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Colour::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["red", "dark_blue"]));
        let reference = serde_json::to_value(Colour::schema_ref()).unwrap();
        assert_eq!(reference["$ref"], "#/components/schemas/Colour");
    }
}
