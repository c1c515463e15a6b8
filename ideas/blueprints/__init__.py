"""Thin views: form or JSON -> service -> commit -> redirect or response."""
