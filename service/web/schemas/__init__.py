"""Every public input and output schema of the API, by concept; the OpenAPI document is generated from
them. Callers import from here, which re-exports each module's public names."""
from service.web.schemas.common import (CURSOR_MAX_LENGTH, CURSOR_PATTERN, IMAGE_ID_ERROR, IMAGE_ID_FORM,
                                        IMAGE_ID_IN_PATH, IMAGE_ID_MAX_LENGTH, IMAGE_ID_PATTERN,
                                        IMAGE_URL_PATTERN, REPORTER_ID_PATTERN, SCORE_PATTERN, VALID_IMAGE_ID,
                                        CursorForm, FullMatch, HealthSchema, ImageId, ImageIdForm,
                                        ImagePathSchema, LangQuerySchema, StrictBoolean, StrictSchema,
                                        article_url_field)
from service.web.schemas.reports import AccountCreatedAt, ReportResultSchema, ReportSchema
from service.web.schemas.images import (MAX_BULK_IDS, MAX_REGISTERED_IMAGES, BulkQuerySchema, ImageListSchema,
                                        ImageStatusSchema, RegisterResultSchema, RegisterSchema,
                                        RegisteredImageSchema)
from service.web.schemas.admin import (EVENT_TYPES, STATES, AdminImageListSchema, AdminImageSchema,
                                       AdminListQuerySchema, AdminTotalsSchema, AuditEventSchema,
                                       AuditListSchema, AuditQuerySchema, CommentSchema, ConfirmSchema,
                                       EditorSessionSchema, IdempotencyHeaderSchema, JudgingQuerySchema,
                                       MatchSchema, MatchesQuerySchema, MatchesSchema, ProtectionSchema,
                                       ReporterMixSchema, ResetSchema)
from service.web.schemas.notices import (MAX_NOTICE_IMAGES, NOTICE_CURSOR_PATTERN, NOTICE_STATUSES,
                                         PRINTABLE_TEXT, REFERENCE_PATTERN, TOKEN_PATTERN,
                                         AdminDecisionSchema, AdminNoticeListSchema, AdminNoticeQuerySchema,
                                         AdminNoticeSchema, ImageNoticeSchema, NoticeDecisionSchema,
                                         NoticeDecisionViewSchema, NoticeImageSchema, NoticeReceiptSchema,
                                         NoticeSchema, NoticeStatusSchema, NotifierSchema,
                                         ReferencePathSchema, StatementLinkSchema, StatementSchema,
                                         TokenPathSchema)

__all__ = [
    "CURSOR_MAX_LENGTH", "CURSOR_PATTERN", "IMAGE_ID_ERROR", "IMAGE_ID_FORM", "IMAGE_ID_IN_PATH",
    "IMAGE_ID_MAX_LENGTH", "IMAGE_ID_PATTERN", "IMAGE_URL_PATTERN", "REPORTER_ID_PATTERN", "SCORE_PATTERN",
    "VALID_IMAGE_ID", "CursorForm", "FullMatch", "HealthSchema", "ImageId", "ImageIdForm", "ImagePathSchema",
    "LangQuerySchema", "StrictBoolean", "StrictSchema", "article_url_field",
    "AccountCreatedAt", "ReportResultSchema", "ReportSchema",
    "MAX_BULK_IDS", "MAX_REGISTERED_IMAGES", "BulkQuerySchema", "ImageListSchema", "ImageStatusSchema",
    "RegisterResultSchema", "RegisterSchema", "RegisteredImageSchema",
    "EVENT_TYPES", "STATES", "AdminImageListSchema", "AdminImageSchema", "AdminListQuerySchema",
    "AdminTotalsSchema", "AuditEventSchema", "AuditListSchema", "AuditQuerySchema", "CommentSchema",
    "ConfirmSchema", "EditorSessionSchema", "IdempotencyHeaderSchema", "JudgingQuerySchema", "MatchSchema",
    "MatchesQuerySchema", "MatchesSchema", "ProtectionSchema", "ReporterMixSchema", "ResetSchema",
    "MAX_NOTICE_IMAGES", "NOTICE_CURSOR_PATTERN", "NOTICE_STATUSES", "PRINTABLE_TEXT", "REFERENCE_PATTERN",
    "TOKEN_PATTERN", "AdminDecisionSchema", "AdminNoticeListSchema", "AdminNoticeQuerySchema",
    "AdminNoticeSchema", "ImageNoticeSchema", "NoticeDecisionSchema", "NoticeDecisionViewSchema",
    "NoticeImageSchema", "NoticeReceiptSchema", "NoticeSchema", "NoticeStatusSchema", "NotifierSchema",
    "ReferencePathSchema", "StatementLinkSchema", "StatementSchema", "TokenPathSchema",
]
