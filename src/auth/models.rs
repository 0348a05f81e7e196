use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{account_links, api_tokens, user_sessions, users};
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, ProgrammeId, TokenId, UserId};

crate::db::text_enum! {
    /// What an account may do.
    pub enum Role("role") {
        Admin = "admin",
        Coordinator = "coordinator",
        Trainer = "trainer",
        /// "Vermittlung": a social worker or volunteer who registers participants on
        /// their behalf and follows only the people they referred.
        Referrer = "referrer",
        /// "Programmkoordination": the office of a state programme. Belongs to a
        /// programme, not to an organisation, and sees only what members share with it:
        /// figures without personal data and templates.
        Programme = "programme",
    }
}

impl Role {
    pub fn parse(s: &str) -> AppResult<Role> {
        Role::from_code(s.trim())
            .ok_or_else(|| AppError::invalid("role", crate::i18n::Text::key("error.auth.role")))
    }
}

/// What `password_hash` holds for an account whose person has not chosen a password yet
/// (invited): no argon2 hash parses from it, so no password matches.
pub const NO_PASSWORD: &str = "!not-set";

crate::db::text_enum! {
    /// Where an account stands, as those who manage it see it.
    pub enum AccountStatus("account status") {
        /// The person can log in.
        Active = "active",
        /// Invited by mail; the person has not chosen a password yet.
        Invited = "invited",
        /// Cannot log in; sessions, API tokens and links have ended.
        Deactivated = "deactivated",
    }
}

crate::db::text_enum! {
    /// What a one-time link sent by mail is for.
    pub enum LinkPurpose("account link purpose") {
        /// Choosing the first password of an invited account (valid 7 days).
        Invitation = "invitation",
        /// Choosing a new password after "Passwort vergessen?" (valid 1 hour).
        PasswordReset = "password_reset",
    }
}

impl LinkPurpose {
    /// How long a link of this kind can be used after it was sent.
    pub fn valid_for(self) -> chrono::Duration {
        match self {
            LinkPurpose::Invitation => chrono::Duration::days(7),
            LinkPurpose::PasswordReset => chrono::Duration::hours(1),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub organisation_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub calendar_token: Option<String>,
    pub programme_id: Option<ProgrammeId>,
}

impl User {
    /// Whether the person has chosen a password (an invited account has not, yet).
    pub fn has_password(&self) -> bool {
        self.password_hash != NO_PASSWORD
    }

    pub fn status(&self) -> AccountStatus {
        match (self.active, self.has_password()) {
            (false, _) => AccountStatus::Deactivated,
            (true, false) => AccountStatus::Invited,
            (true, true) => AccountStatus::Active,
        }
    }
}

/// A one-time link as stored: never the link's secret, only its hash (not selected here).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_links)]
pub struct AccountLink {
    pub id: i32,
    pub user_id: UserId,
    pub purpose: LinkPurpose,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = account_links)]
pub struct AccountLinkInsertForm {
    pub user_id: UserId,
    pub purpose: LinkPurpose,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct UserInsertForm {
    pub organisation_id: Option<OrgId>,
    pub programme_id: Option<ProgrammeId>,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenInsertForm {
    pub user_id: UserId,
    pub token_hash: String,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Who is acting: the checked identity every service function receives.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub organisation_id: Option<OrgId>,
    /// The programme of a `programme` account (never together with an organisation).
    pub programme_id: Option<ProgrammeId>,
    pub role: Role,
    pub display_name: String,
    pub email: String,
}

impl Actor {
    pub fn from_user(user: &User) -> AppResult<Actor> {
        Ok(Actor {
            user_id: user.id,
            organisation_id: user.organisation_id,
            programme_id: user.programme_id,
            role: user.role,
            display_name: user.display_name.clone(),
            email: user.email.clone(),
        })
    }

    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The organisation of a coordinator; everyone else is refused.
    pub fn coordinator_org(&self) -> AppResult<OrgId> {
        self.require(&[Role::Coordinator])?;
        self.organisation_id.ok_or_else(AppError::forbidden)
    }

    /// The organisation of a coordinator or trainer (attendance, rosters).
    pub fn staff_org(&self) -> AppResult<OrgId> {
        self.require(&[Role::Coordinator, Role::Trainer])?;
        self.organisation_id.ok_or_else(AppError::forbidden)
    }

    /// The organisation of a referrer ("Vermittlung"); everyone else is refused.
    pub fn referrer_org(&self) -> AppResult<OrgId> {
        self.require(&[Role::Referrer])?;
        self.organisation_id.ok_or_else(AppError::forbidden)
    }

    /// The programme of a programme account ("Programmkoordination"); everyone else is
    /// refused.
    pub fn programme(&self) -> AppResult<ProgrammeId> {
        self.require(&[Role::Programme])?;
        self.programme_id.ok_or_else(AppError::forbidden)
    }

    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }

    /// An admin of the whole service (no organisation of their own).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(Insertable)]
#[diesel(table_name = user_sessions)]
pub struct UserSessionInsertForm {
    pub user_id: UserId,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_sessions)]
pub struct UserSession {
    pub id: i32,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// An API token as its owner and admins see it: never the token itself, which exists only
/// in the one answer that created it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiTokenInfo {
    #[schema(value_type = i32)]
    pub id: TokenId,
    /// The name given when the token was made, e.g. the device or script using it.
    pub label: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Last use, to the minute; `null` when never used.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The owner's e-mail (only in an admin's list of an organisation's tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    pub expired: bool,
}

impl ApiTokenInfo {
    pub fn from_row(row: ApiTokenRow, owner_email: Option<String>, now: NaiveDateTime) -> Self {
        ApiTokenInfo {
            id: row.id,
            label: row.label,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.and_utc(),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            owner_email,
            expired: row.expires_at <= now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_as_their_codes_and_unknown_ones_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(&format!(" {role} ")).unwrap(), role);
        }
        assert_eq!(Role::parse("root").unwrap_err().field(), Some("role"));
        assert_eq!(Role::parse("Admin").unwrap_err().field(), Some("role"));
    }

    #[test]
    fn an_account_without_a_password_is_invited_until_deactivated() {
        let mut user = User {
            id: UserId(1),
            organisation_id: None,
            email: "a@example.org".into(),
            display_name: "A".into(),
            password_hash: NO_PASSWORD.into(),
            role: Role::Trainer,
            active: true,
            created_at: chrono::NaiveDateTime::default(),
            calendar_token: None,
            programme_id: None,
        };
        assert_eq!(user.status(), AccountStatus::Invited);
        user.active = false;
        assert_eq!(user.status(), AccountStatus::Deactivated);
        user.active = true;
        user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$x$y".into();
        assert_eq!(user.status(), AccountStatus::Active);
        assert!(LinkPurpose::PasswordReset.valid_for() < LinkPurpose::Invitation.valid_for());
    }
}
