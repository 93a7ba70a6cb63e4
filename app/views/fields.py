"""Form fields for JSON columns (form schemas, order details)."""
import json

from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_babel import lazy_gettext as _
from wtforms import TextAreaField


class JSONTextAreaField(TextAreaField):
    widget = BS3TextAreaFieldWidget()

    def __init__(self, *args, empty=dict, **kwargs):
        self._empty = empty
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        data = self.data if self.data is not None else self._empty()
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = self._empty()
            return
        try:
            self.data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.data = None
            raise ValueError(
                _("Not valid JSON (line %(line)s, column %(col)s): %(msg)s",
                  line=exc.lineno, col=exc.colno, msg=exc.msg)
            ) from None
