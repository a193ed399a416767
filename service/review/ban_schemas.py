"""Schemas of the review API's bans: making one (from a comment or for a site), a ban, and
the list of bans."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.schemas import REQUIRED_MESSAGE, PageArgsSchema

# What a ban can name: an email address, an email domain, an address or network, or the
# site's own id of a reader (author_id).
KINDS = ("email", "domain", "ip", "author")


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class BanArgsSchema(_Base):
    kind = ma.fields.String(required=True,
                            validate=validate.OneOf(KINDS),
                            error_messages={"required": REQUIRED_MESSAGE},
                            metadata={"description": "author: the site's own id of the reader "
                                      "(author_id), for sites that send one"})
    value = ma.fields.String(validate=validate.Length(min=1, max=320),
                             metadata={"description": "Default: taken from the comment"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                              error_messages={"required": REQUIRED_MESSAGE})
    days = ma.fields.Integer(validate=validate.Range(min=1, max=36500), allow_none=True,
                             metadata={"description": "Omit or null for a permanent ban"})
    site = ma.fields.String(validate=validate.Length(max=100),
                            metadata={"description": "Default: the comment's site"})


class SiteBanArgsSchema(BanArgsSchema):
    """A ban made directly, not from a comment: it names its site and what it bans."""

    value = ma.fields.String(required=True, validate=validate.Length(min=1, max=320),
                             error_messages={"required": REQUIRED_MESSAGE})
    site = ma.fields.String(required=True, validate=validate.Length(min=1, max=100),
                            error_messages={"required": REQUIRED_MESSAGE},
                            metadata={"description": "The site banned from (one the key may "
                                                     "review)"})


class BanSchema(_Base):
    id = ma.fields.Integer()
    site = ma.fields.String()
    kind = ma.fields.String()
    value = ma.fields.String()
    reason = ma.fields.String()
    created_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)
    lifted_at = ma.fields.DateTime(allow_none=True)
    lifted_by = ma.fields.String(allow_none=True)
    comment_id = ma.fields.Integer(allow_none=True)


class BanListArgsSchema(PageArgsSchema):
    site = ma.fields.String(validate=validate.Length(max=100))
    include_inactive = ma.fields.Boolean(load_default=False)


class BanPageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(BanSchema))
    next_cursor = ma.fields.String(allow_none=True)
