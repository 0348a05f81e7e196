// One schema for both backends: migrations/sqlite and migrations/postgres define the same columns.

diesel::table! {
    organisations (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        issuer_name -> Text,
        signatory_name -> Text,
        signatory_title -> Text,
        created_at -> Timestamp,
        retention_participant_months -> Integer,
        retention_survey_months -> Integer,
        retention_mail_days -> Integer,
        retention_audit_years -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        organisation_id -> Nullable<Integer>,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        created_at -> Timestamp,
        calendar_token -> Nullable<Text>,
        programme_id -> Nullable<Integer>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        user_id -> Integer,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    account_links (id) {
        id -> Integer,
        user_id -> Integer,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Integer,
        key_hash -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    locations (id) {
        id -> Integer,
        organisation_id -> Integer,
        name -> Text,
        address -> Text,
        room -> Text,
        capacity -> Nullable<Integer>,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    courses (id) {
        id -> Integer,
        organisation_id -> Integer,
        code -> Text,
        title -> Text,
        description -> Text,
        created_at -> Timestamp,
        min_attendance_percent -> Nullable<Integer>,
        test_max_points -> Nullable<Integer>,
        test_pass_points -> Nullable<Integer>,
        test_must_pass_questions -> Integer,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    course_modules (id) {
        id -> Integer,
        organisation_id -> Integer,
        course_id -> Integer,
        position -> Integer,
        title -> Text,
        duration_minutes -> Integer,
        mandatory -> Bool,
        description -> Text,
    }
}

diesel::table! {
    course_runs (id) {
        id -> Integer,
        organisation_id -> Integer,
        course_id -> Integer,
        start_date -> Date,
        end_date -> Date,
        place -> Text,
        capacity -> Integer,
        created_at -> Timestamp,
        calendar_token -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    training_sessions (id) {
        id -> Integer,
        organisation_id -> Integer,
        run_id -> Integer,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        location_id -> Nullable<Integer>,
        trainer_id -> Nullable<Integer>,
        cancelled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    run_interpreter_languages (run_id, language) {
        organisation_id -> Integer,
        run_id -> Integer,
        language -> Text,
        position -> Integer,
    }
}

diesel::table! {
    session_interpreter_languages (session_id, language) {
        organisation_id -> Integer,
        session_id -> Integer,
        language -> Text,
        position -> Integer,
    }
}

diesel::table! {
    session_modules (session_id, module_id) {
        organisation_id -> Integer,
        session_id -> Integer,
        module_id -> Integer,
    }
}

diesel::table! {
    participants (id) {
        id -> Integer,
        organisation_id -> Integer,
        given_name -> Text,
        family_name -> Text,
        preferred_language -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        consent_date -> Date,
        consent_recorded_by -> Nullable<Integer>,
        created_at -> Timestamp,
        referrer_name -> Nullable<Text>,
        referrer_organisation -> Nullable<Text>,
        referrer_contact -> Nullable<Text>,
        card_code -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        own_page_nonce -> Nullable<Text>,
        referred_by_user_id -> Nullable<Integer>,
    }
}

diesel::table! {
    enrollments (id) {
        id -> Integer,
        organisation_id -> Integer,
        run_id -> Integer,
        participant_id -> Integer,
        status -> Text,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        promoted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attendance (id) {
        id -> Integer,
        organisation_id -> Integer,
        session_id -> Integer,
        participant_id -> Integer,
        status -> Text,
        marked_by -> Integer,
        marked_at -> Timestamp,
        left_early -> Bool,
        revision -> Integer,
    }
}

diesel::table! {
    attendance_marks (id) {
        id -> Integer,
        organisation_id -> Integer,
        session_id -> Integer,
        participant_id -> Integer,
        status -> Text,
        marked_by -> Integer,
        marked_at -> Timestamp,
        left_early -> Bool,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Integer,
        kid -> Integer,
        organisation_id -> Nullable<Integer>,
        algorithm -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        compromised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Integer,
        organisation_id -> Integer,
        participant_id -> Integer,
        run_id -> Integer,
        code -> Text,
        kid -> Integer,
        token -> Text,
        holder_name -> Text,
        course_code -> Text,
        course_title -> Text,
        completion_date -> Date,
        issued_at -> Timestamp,
        issued_by -> Nullable<Integer>,
        status -> Text,
        revoked_at -> Nullable<Timestamp>,
        revocation_reason -> Nullable<Text>,
        replaced_by_id -> Nullable<Integer>,
        name_hmac -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Integer,
        organisation_id -> Nullable<Integer>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attachment_name -> Nullable<Text>,
        attachment_mime -> Nullable<Text>,
        attachment -> Nullable<Binary>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        message_id -> Text,
        participant_id -> Nullable<Integer>,
        stakeholder_id -> Nullable<Integer>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        organisation_id -> Nullable<Integer>,
        actor_user_id -> Nullable<Integer>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Integer>,
        detail -> Text,
        created_at -> Timestamp,
        participant_id -> Nullable<Integer>,
        stakeholder_id -> Nullable<Integer>,
    }
}

diesel::table! {
    session_reminders (id) {
        id -> Integer,
        organisation_id -> Integer,
        session_id -> Integer,
        participant_id -> Integer,
        kind -> Text,
        recipient -> Nullable<Text>,
        apology_token -> Text,
        created_at -> Timestamp,
        apologised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    session_trainers (session_id, user_id) {
        organisation_id -> Integer,
        session_id -> Integer,
        user_id -> Integer,
    }
}

diesel::table! {
    test_results (id) {
        id -> Integer,
        organisation_id -> Integer,
        run_id -> Integer,
        participant_id -> Integer,
        points -> Integer,
        must_pass_correct -> Integer,
        recorded_by -> Integer,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    import_batches (id) {
        id -> Integer,
        organisation_id -> Integer,
        created_by -> Integer,
        rows_json -> Text,
        created_at -> Timestamp,
        kind -> Text,
    }
}

diesel::table! {
    stakeholders (id) {
        id -> Integer,
        organisation_id -> Integer,
        stakeholder_group -> Text,
        name -> Text,
        organisation_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        preferred_language -> Text,
        contact_consent -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificate_checks (certificate_id, day) {
        organisation_id -> Integer,
        certificate_id -> Integer,
        day -> Date,
        checks -> Integer,
    }
}

diesel::table! {
    certificate_batches (id) {
        id -> Integer,
        organisation_id -> Integer,
        run_id -> Integer,
        started_by -> Nullable<Integer>,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        total -> Integer,
        done -> Integer,
        issued -> Integer,
        already_issued -> Integer,
        not_completed -> Integer,
        failures -> Text,
        state -> Text,
        revoked -> Integer,
        last_participant_id -> Nullable<Integer>,
    }
}

diesel::table! {
    certificate_reissues (id) {
        id -> Integer,
        organisation_id -> Integer,
        run_id -> Integer,
        participant_id -> Integer,
        revoked_certificate_id -> Integer,
        certificate_id -> Integer,
        reason -> Text,
        reissued_by -> Nullable<Integer>,
        reissued_at -> Timestamp,
    }
}

diesel::table! {
    organisation_images (organisation_id, kind) {
        organisation_id -> Integer,
        kind -> Text,
        content_type -> Text,
        bytes -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    surveys (id) {
        id -> Integer,
        organisation_id -> Integer,
        title -> Text,
        introduction -> Text,
        opens_on -> Date,
        closes_on -> Date,
        anonymous -> Bool,
        course_id -> Nullable<Integer>,
        reminder_max -> Integer,
        reminder_interval_days -> Integer,
        open_token -> Text,
        copied_from -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    survey_audience (survey_id, stakeholder_group) {
        organisation_id -> Integer,
        survey_id -> Integer,
        stakeholder_group -> Text,
        position -> Integer,
    }
}

diesel::table! {
    survey_open_groups (survey_id, stakeholder_group) {
        organisation_id -> Integer,
        survey_id -> Integer,
        stakeholder_group -> Text,
        position -> Integer,
    }
}

diesel::table! {
    survey_question_groups (question_id, stakeholder_group) {
        organisation_id -> Integer,
        question_id -> Integer,
        stakeholder_group -> Text,
        position -> Integer,
    }
}

diesel::table! {
    survey_translations (id) {
        id -> Integer,
        survey_id -> Integer,
        language -> Text,
        title -> Text,
        introduction -> Text,
    }
}

diesel::table! {
    survey_questions (id) {
        id -> Integer,
        survey_id -> Integer,
        position -> Integer,
        kind -> Text,
        text -> Text,
        help -> Text,
        required -> Bool,
        options_json -> Text,
        min_value -> Nullable<Integer>,
        max_value -> Nullable<Integer>,
        max_length -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    survey_question_translations (id) {
        id -> Integer,
        question_id -> Integer,
        language -> Text,
        text -> Text,
        options_json -> Text,
    }
}

diesel::table! {
    survey_invitations (id) {
        id -> Integer,
        survey_id -> Integer,
        stakeholder_id -> Integer,
        token -> Text,
        sent_at -> Nullable<Timestamp>,
        reminders_sent -> Integer,
        last_sent_at -> Nullable<Timestamp>,
        answered_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    survey_drafts (id) {
        id -> Integer,
        survey_id -> Integer,
        token -> Text,
        stakeholder_group -> Text,
        language -> Text,
        answers_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Integer,
        survey_id -> Integer,
        invitation_id -> Nullable<Integer>,
        stakeholder_group -> Text,
        language -> Text,
        submitted_on -> Date,
    }
}

diesel::table! {
    survey_answers (id) {
        id -> Integer,
        response_id -> Integer,
        question_id -> Integer,
        value_json -> Text,
    }
}

diesel::table! {
    consent_events (id) {
        id -> Integer,
        organisation_id -> Integer,
        participant_id -> Nullable<Integer>,
        stakeholder_id -> Nullable<Integer>,
        kind -> Text,
        given -> Bool,
        recorded_by -> Nullable<Integer>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    erasures (id) {
        id -> Integer,
        organisation_id -> Integer,
        subject -> Text,
        subject_id -> Nullable<Integer>,
        reason -> Text,
        erased_by -> Nullable<Integer>,
        erased_at -> Timestamp,
        counts -> Text,
    }
}

diesel::table! {
    job_runs (name, day) {
        name -> Text,
        day -> Date,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(account_links -> users (user_id));
diesel::joinable!(course_modules -> courses (course_id));
diesel::joinable!(course_runs -> courses (course_id));
diesel::joinable!(training_sessions -> course_runs (run_id));
diesel::joinable!(training_sessions -> locations (location_id));
diesel::joinable!(training_sessions -> users (trainer_id));
diesel::joinable!(session_modules -> training_sessions (session_id));
diesel::joinable!(session_modules -> course_modules (module_id));
diesel::joinable!(session_trainers -> training_sessions (session_id));
diesel::joinable!(run_interpreter_languages -> course_runs (run_id));
diesel::joinable!(session_interpreter_languages -> training_sessions (session_id));
diesel::joinable!(session_trainers -> users (user_id));
diesel::joinable!(enrollments -> participants (participant_id));
diesel::joinable!(enrollments -> course_runs (run_id));
diesel::joinable!(attendance -> participants (participant_id));
diesel::joinable!(attendance -> training_sessions (session_id));
diesel::joinable!(certificates -> participants (participant_id));
diesel::joinable!(certificates -> course_runs (run_id));
diesel::joinable!(certificates -> organisations (organisation_id));
diesel::joinable!(certificate_checks -> certificates (certificate_id));

diesel::joinable!(stakeholders -> organisations (organisation_id));
diesel::joinable!(survey_questions -> surveys (survey_id));
diesel::joinable!(survey_audience -> surveys (survey_id));
diesel::joinable!(survey_question_groups -> survey_questions (question_id));
diesel::joinable!(survey_question_translations -> survey_questions (question_id));
diesel::joinable!(survey_invitations -> surveys (survey_id));
diesel::joinable!(survey_invitations -> stakeholders (stakeholder_id));
diesel::joinable!(survey_responses -> surveys (survey_id));
diesel::joinable!(survey_answers -> survey_responses (response_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    api_tokens,
    user_sessions,
    account_links,
    login_failures,
    locations,
    courses,
    course_modules,
    course_runs,
    training_sessions,
    run_interpreter_languages,
    session_interpreter_languages,
    session_modules,
    participants,
    enrollments,
    attendance,
    attendance_marks,
    signing_keys,
    certificates,
    mail_outbox,
    audit_log,
    session_reminders,
    session_trainers,
    test_results,
    import_batches,
    certificate_checks,
    certificate_batches,
    certificate_reissues,
    organisation_images,
    stakeholders,
    surveys,
    survey_audience,
    survey_open_groups,
    survey_question_groups,
    survey_translations,
    survey_questions,
    survey_question_translations,
    survey_invitations,
    survey_drafts,
    survey_responses,
    survey_answers,
    consent_events,
    erasures,
    job_runs,
);

// Anonymous surveys: the sealed answers waiting for their batch, and the figures kept when
// the raw answers are erased (kept apart from the list above so parallel changes merge).
diesel::table! {
    survey_pending_answers (id) {
        id -> Text,
        survey_id -> Integer,
        sealed -> Text,
    }
}

diesel::table! {
    survey_result_summaries (survey_id) {
        survey_id -> Integer,
        results_json -> Text,
        raw_erased_on -> Date,
    }
}

diesel::joinable!(survey_pending_answers -> surveys (survey_id));
diesel::joinable!(survey_result_summaries -> surveys (survey_id));
diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    survey_pending_answers,
    survey_result_summaries,
);

// What an issued certificate prints, frozen at issue (kept apart from the list above so
// parallel changes merge).
diesel::table! {
    certificate_prints (certificate_id) {
        certificate_id -> Integer,
        organisation_id -> Integer,
        run_start -> Date,
        run_end -> Date,
        place -> Text,
        modules_frozen -> Bool,
        venue_phrase -> Nullable<Text>,
        issuer_seat -> Nullable<Text>,
        title_language -> Nullable<Text>,
        course_title_translated -> Nullable<Text>,
    }
}

diesel::table! {
    certificate_modules (id) {
        id -> Integer,
        organisation_id -> Integer,
        certificate_id -> Integer,
        position -> Integer,
        module_id -> Integer,
        title -> Text,
        first_day -> Date,
        duration_minutes -> Integer,
    }
}

diesel::joinable!(certificate_prints -> certificates (certificate_id));
diesel::joinable!(certificate_modules -> certificates (certificate_id));
diesel::allow_tables_to_appear_in_same_query!(
    certificate_prints,
    certificate_modules,
    certificates
);

// Issue 14: the issuer's address and contact printed on certificates, and the approval of
// the sample certificate (its own block so parallel changes merge).
diesel::table! {
    certificate_profiles (organisation_id) {
        organisation_id -> Integer,
        issuer_address -> Text,
        contact_phone -> Text,
        contact_email -> Text,
        contact_website -> Text,
        approved_fingerprint -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Integer>,
        updated_at -> Timestamp,
        issuer_seat -> Text,
        venue_phrase -> Text,
    }
}

// Issue 15: each organisation's accessibility statement and the feedback sent through it
// (their own block so parallel changes merge).
diesel::table! {
    accessibility_statements (organisation_id) {
        organisation_id -> Integer,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        contact_address -> Text,
        conformity -> Text,
        known_issues -> Text,
        prepared_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accessibility_feedback (id) {
        id -> Integer,
        organisation_id -> Integer,
        sender_name -> Nullable<Text>,
        sender_email -> Nullable<Text>,
        message -> Text,
        created_at -> Timestamp,
    }
}

// Issue 15: course and module titles in the participant languages.
diesel::table! {
    course_title_translations (course_id, lang) {
        course_id -> Integer,
        organisation_id -> Integer,
        lang -> Text,
        title -> Text,
    }
}

diesel::table! {
    module_title_translations (module_id, lang) {
        module_id -> Integer,
        organisation_id -> Integer,
        lang -> Text,
        title -> Text,
        description -> Text,
    }
}

// Issue 18: programmes, their members, and the shared library.
diesel::table! {
    programmes (id) {
        id -> Integer,
        name -> Text,
        funding_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programme_periods (id) {
        id -> Integer,
        programme_id -> Integer,
        label -> Text,
        starts_on -> Date,
        ends_on -> Date,
    }
}

diesel::table! {
    programme_members (programme_id, organisation_id) {
        programme_id -> Integer,
        organisation_id -> Integer,
        state -> Text,
        share_figures -> Bool,
        share_templates -> Bool,
        invited_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    programme_quarters (programme_id, starts_on) {
        programme_id -> Integer,
        starts_on -> Date,
        frozen_at -> Timestamp,
        figures -> Text,
    }
}

diesel::table! {
    library_templates (id) {
        id -> Integer,
        programme_id -> Integer,
        organisation_id -> Nullable<Integer>,
        kind -> Text,
        source_id -> Nullable<Integer>,
        title -> Text,
        version -> Integer,
        published_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    library_versions (template_id, version) {
        template_id -> Integer,
        version -> Integer,
        content -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    library_copies (id) {
        id -> Integer,
        organisation_id -> Integer,
        template_id -> Integer,
        version -> Integer,
        kind -> Text,
        target_id -> Integer,
        copied_at -> Timestamp,
    }
}

diesel::joinable!(programme_periods -> programmes (programme_id));
diesel::joinable!(programme_members -> programmes (programme_id));
diesel::joinable!(programme_members -> organisations (organisation_id));
diesel::joinable!(library_versions -> library_templates (template_id));
diesel::joinable!(library_copies -> library_templates (template_id));
diesel::joinable!(library_templates -> organisations (organisation_id));
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    enrollments::run_id,
    participants::preferred_language,
);
diesel::allow_tables_to_appear_in_same_query!(
    programmes,
    programme_quarters,
    programme_periods,
    programme_members,
    organisations,
    library_templates,
    library_versions,
    library_copies,
);
