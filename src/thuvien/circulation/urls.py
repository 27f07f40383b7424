"""The loan desk and the circulation staff queues, mounted at /staff/circulation/ (namespace "circulation")."""

from django.urls import path

from thuvien.circulation.views import desk, queues, readers, setup

app_name = "circulation"
urlpatterns = [
    path("", desk.home, name="desk"),
    path("library/", desk.choose_library, name="choose_library"),
    path("checkin/", desk.checkin, name="checkin"),
    path("renew/", desk.renew_barcode, name="renew"),
    path("items/", desk.item, name="item"),
    path("items/lost/", desk.mark_lost, name="mark_lost"),
    path("items/damaged/", desk.mark_damaged, name="mark_damaged"),
    path("readers/", readers.search, name="readers"),
    path("readers/new/", readers.register, name="register"),
    path("readers/pending/", readers.pending, name="pending"),
    path("readers/import/", readers.import_file, name="import"),
    path("readers/<str:card>/", desk.reader, name="reader"),
    path("readers/<str:card>/checkout/", desk.checkout, name="checkout"),
    path("readers/<str:card>/renew/", desk.renew, name="reader_renew"),
    path("readers/<str:card>/pay/", desk.pay, name="pay"),
    path("readers/<str:card>/block/", desk.block, name="block"),
    path("readers/<str:card>/unblock/", desk.unblock, name="unblock"),
    path("readers/<str:card>/waive/", desk.waive, name="waive"),
    path("readers/<str:card>/erase/", desk.erase, name="erase"),
    path("readers/<str:card>/consent/", desk.consent, name="consent"),
    path("readers/<str:card>/edit/", readers.edit, name="edit"),
    path("readers/<str:card>/password/", readers.password, name="password"),
    path("readers/<str:card>/approve/", readers.approve, name="approve"),
    path("pull-list/", queues.pull_list, name="pull_list"),
    path("hold-shelf/", queues.hold_shelf, name="hold_shelf"),
    path("transit/", queues.transit, name="transit"),
    path("requests/", queues.requests, name="requests"),
    path("requests/<str:kind>/<int:pk>/", queues.request_detail, name="request"),
    path("requests/<str:kind>/<int:pk>/file", queues.request_file, name="request_file"),
    path("rules/", setup.rule_list, name="rules"),
    path("rules/new/", setup.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", setup.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", setup.rule_delete, name="rule_delete"),
    path("calendar/", setup.calendar, name="calendar"),
    path("categories/", setup.categories, name="categories"),
]
