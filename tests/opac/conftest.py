import pytest

from thuvien.catalog.models import ItemStatus


@pytest.fixture
def catalogue(network, make_record):
    """A small catalogue spread over a few libraries of the demo network."""
    kim_son, yen_mo, province = network["NB-KS"], network["NB-YM"], network["NB-TVT"]
    records = {
        "de_men": make_record("Dế Mèn phiêu lưu ký", ["Tô, Hoài"], copies=[kim_son, yen_mo, province],
                              year=2019, subjects=["Văn học thiếu nhi"], ddc="895.9223"),
        "de": make_record("Kỹ thuật nuôi dê", ["Đinh, Văn Cải"], copies=[yen_mo], year=2016,
                          subjects=["Chăn nuôi"], ddc="636.39"),
        "dia_chi": make_record("Địa chí Ninh Bình", ["Trương, Đình Tưởng"], copies=[province], year=2010,
                               subjects=["Địa chí", "Ninh Bình"], ddc="915.9739"),
        "kieu": make_record("Truyện Kiều", ["Nguyễn, Du"], copies=[kim_son], year=2015,
                            subjects=["Văn học Việt Nam"], language="vie"),
        "english": make_record("A history of Vietnam", ["Smith, John"], copies=[province], year=1999,
                               subjects=["Lịch sử Việt Nam"], language="eng"),
        "secret": make_record("Tài liệu mật Ninh Bình", ["Ẩn, Danh"], copies=[province], year=2001),
    }
    from thuvien.catalog import services

    secret = records["secret"]
    secret.visibility = "staff"
    services.update_record(secret, secret.marc)
    # One copy of Dế Mèn at Yên Mô is out on loan.
    item = records["de_men"].items.get(library=yen_mo)
    item.status = ItemStatus.ON_LOAN
    item.save()
    from thuvien.search.queue import enqueue

    enqueue([records["de_men"].pk])
    return records
