"""Registration of the money and messages pages (payments, earnings, notifications)."""
from flask_babel import lazy_gettext as _

from .earnings import LedgerEntryView, PayoutView, WorkerShareView
from .notifications import InboxView, NotificationTemplateView, NotificationView, unread_context
from .payments import PaymentGatewayView, PaymentView, ServicePaymentMethodView, exempt_callbacks


def register_money_views(appbuilder) -> None:
    appbuilder.add_view(
        PaymentView, "Payments", label=_("Payments"), icon="fa-money", category="Money",
        category_label=_("Money"), category_icon="fa-credit-card",
    )
    appbuilder.add_view(PayoutView, "Payouts", label=_("Payouts"), icon="fa-university", category="Money")
    appbuilder.add_link("Due payouts", label=_("Due payouts"), href="/payoutview/due", icon="fa-clock-o",
                        category="Money")
    appbuilder.add_view(LedgerEntryView, "Earnings ledger", label=_("Earnings ledger"), icon="fa-book",
                        category="Money")
    appbuilder.add_link("My earnings", label=_("My earnings"), href="/ledgerentryview/mine", icon="fa-line-chart",
                        category="Money")
    appbuilder.add_view(NotificationView, "Messages", label=_("Messages"), icon="fa-envelope", category="Money")
    appbuilder.add_view(NotificationTemplateView, "Message templates", label=_("Message templates"),
                        icon="fa-file-text-o", category="Setup")
    appbuilder.add_view(ServicePaymentMethodView, "Payment methods", label=_("Payment methods"),
                        icon="fa-credit-card", category="Setup")
    appbuilder.add_view(WorkerShareView, "Worker shares", label=_("Worker shares"), icon="fa-percent",
                        category="Setup")
    appbuilder.add_view_no_menu(PaymentGatewayView)
    appbuilder.add_view_no_menu(InboxView)
    app = appbuilder.app
    app.context_processor(unread_context)
    exempt_callbacks(app)
