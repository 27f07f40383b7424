"""New acquisitions as RSS 2.0 and Atom 1.0 feeds, network-wide or for one library
(``?library=CODE``)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from thuvien.opac import selectors

FEED_SIZE = 30


class NewAcquisitionsRss(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request):
        code = (request.GET.get("library") or "").strip()[:32]
        if not code:
            return None
        library = selectors.public_library(code)
        if library is None:
            raise Http404
        return None if library.is_network else library

    def title(self, library):
        if library is None:
            return _("New acquisitions – Ninh Bình library network")
        return _("New acquisitions – %(library)s") % {"library": library.name}

    def link(self, library):
        url = reverse("opac:new")
        return f"{url}?library={library.code}" if library else url

    def description(self, library):
        return _("Books and documents recently added to the catalogue.")

    def items(self, library):
        return selectors.new_acquisitions(library, FEED_SIZE)

    def item_title(self, hit):
        return hit["record"].title

    def item_description(self, hit):
        record = hit["record"]
        parts = ["; ".join(record.authors), record.publisher, str(record.year or "")]
        held = ", ".join(h["name"] for h in hit["holdings"])
        text = " · ".join(p for p in parts if p)
        return f"{text}. {_('Held by')}: {held}" if held else text

    def item_link(self, hit):
        return reverse("opac:record", args=[hit["record"].pk])

    def item_guid(self, hit):
        return self.item_link(hit)

    def item_pubdate(self, hit):
        return hit["acquired"]

    def item_updateddate(self, hit):
        return hit["acquired"]

    def item_author_name(self, hit):
        return "; ".join(hit["record"].authors) or None

    def item_categories(self, hit):
        return hit["record"].subjects[:5]


class NewAcquisitionsAtom(NewAcquisitionsRss):
    feed_type = Atom1Feed
    subtitle = NewAcquisitionsRss.description
