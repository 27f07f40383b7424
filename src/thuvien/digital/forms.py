from django import forms
from django.utils.translation import gettext_lazy as _

from thuvien.digital.models import (
    STAGE_ORDER,
    AccessLevel,
    Collection,
    Deposit,
    DigitalObject,
    DigitisationProject,
    Stage,
)
from thuvien.network.models import Library


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.tif,.tiff,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = DigitisationProject
        fields = ["name", "library", "collection", "target_count"]

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["library"].queryset = libraries
            self.fields["collection"].queryset = Collection.objects.filter(library__in=libraries)


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["code", "name", "kind", "library", "target_percent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["library"].queryset = libraries

    def validate_unique(self):
        pass  # an existing code is changed, not refused (workflow.save_collection)


class SelectRecordsForm(forms.Form):
    record_ids = forms.CharField(label=_("Record numbers (one per line or separated by spaces)"),
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def clean_record_ids(self):
        raw = self.cleaned_data["record_ids"].replace(",", " ").split()
        if not all(v.isdigit() for v in raw):
            raise forms.ValidationError(_("Record numbers are digits only."))
        return [int(v) for v in raw]


class SendBackForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Back to"), choices=[(s.value, s.label) for s in STAGE_ORDER[:-1]])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class UploadScansForm(forms.Form):
    files = MultipleFileField(label=_("Scans of the document (in page order)"))
    access = forms.ChoiceField(label=_("Access"), choices=AccessLevel.choices, initial=AccessLevel.OPEN)


class DepositForm(forms.ModelForm):
    files = MultipleFileField(label=_("Files (PDF, TIFF, JPEG, PNG)"))
    agree = forms.BooleanField(label=_("I have the right to give these documents under the chosen licence."))

    class Meta:
        model = Deposit
        fields = ["library", "depositor", "email", "phone", "title", "description", "licence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = Library.objects.filter(is_active=True).exclude(library_type="network")


class AcceptDepositForm(forms.Form):
    record_id = forms.IntegerField(label=_("Catalogue record number"), min_value=1)
    access = forms.ChoiceField(label=_("Access"), choices=AccessLevel.choices, initial=AccessLevel.OPEN)
    collection = forms.ModelChoiceField(label=_("Collection"), queryset=Collection.objects.all(), required=False)


class RejectDepositForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


STAGES = Stage


class ObjectForm(forms.ModelForm):
    class Meta:
        model = DigitalObject
        fields = ["label", "access", "collection", "licence", "donor", "donated_on", "provenance_note"]
        widgets = {"donated_on": forms.DateInput(attrs={"type": "date"}),
                   "provenance_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = Collection.objects.filter(library=self.instance.library_id)
