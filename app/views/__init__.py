"""Browser views, one module per domain; registered by ``init_views``."""
from flask_babel import lazy_gettext as _

from .catalog import ServiceView
from .crm import CustomerView
from .orders import AttachmentView, OrderEventView, OrderView
from .public import ShopView
from .staff import DivisionView, StaffProfileView


def register_views(appbuilder) -> None:
    appbuilder.add_view(
        OrderView, "Orders", label=_("Orders"), icon="fa-list", category="Orders",
        category_label=_("Orders"), category_icon="fa-folder-open",
    )
    appbuilder.add_view(
        OrderEventView, "Order history", label=_("Order history"), icon="fa-history", category="Orders"
    )
    appbuilder.add_view(
        AttachmentView, "Attachments", label=_("Attachments"), icon="fa-paperclip", category="Orders"
    )
    appbuilder.add_view(
        CustomerView, "Customers", label=_("Customers"), icon="fa-address-book",
        category="Customers", category_label=_("Customers"), category_icon="fa-users",
    )
    appbuilder.add_view(
        ServiceView, "Services", label=_("Services"), icon="fa-cubes",
        category="Setup", category_label=_("Setup"), category_icon="fa-cogs",
    )
    appbuilder.add_view(
        StaffProfileView, "Staff", label=_("Staff"), icon="fa-id-badge", category="Setup"
    )
    appbuilder.add_view(
        DivisionView, "Divisions", label=_("Divisions"), icon="fa-sitemap", category="Setup"
    )
    appbuilder.add_view(
        ShopView, "My orders", label=_("My orders"), icon="fa-shopping-cart", href="/shop/my-orders"
    )
    from .writing import MyOffersView, WritingDeskView

    appbuilder.add_view(WritingDeskView, "Writing desk", label=_("Writing desk"), icon="fa-table",
                        category="Orders")
    appbuilder.add_view(MyOffersView, "My offers", label=_("My offers"), icon="fa-handshake-o",
                        category="Orders")
    from .money import register_money_views

    register_money_views(appbuilder)
    from .rules import register_rule_views

    register_rule_views(appbuilder)
    from .workflows import register_workflow_views

    register_workflow_views(appbuilder)
    from .ready_works import register_catalog_views

    register_catalog_views(appbuilder)
    from .reviews import register_review_views

    register_review_views(appbuilder)
    from .repair import register_repair_views

    register_repair_views(appbuilder)
