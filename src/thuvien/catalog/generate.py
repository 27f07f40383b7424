"""Believable Vietnamese bibliographic records, built from real Vietnamese words.

Used by ``thuvien demo`` and by the benchmarks. Deterministic for a given seed.
"""

import random

from thuvien.catalog.identifiers import isbn13_check_digit

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Xuân", "Thu",
          "Kim", "Hồng", "Công", "Anh", "Đình", "Bảo", "Gia", "Phương"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
         "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc",
         "Quân", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tú", "Tuấn",
         "Uyên", "Việt", "Vinh", "Yến", "Đạt", "Ánh", "Ước"]
PUBLISHERS = [("Hà Nội", "Giáo dục Việt Nam"), ("Hà Nội", "Kim Đồng"), ("TP. Hồ Chí Minh", "Trẻ"),
              ("Hà Nội", "Văn học"), ("Hà Nội", "Chính trị quốc gia Sự thật"),
              ("Hà Nội", "Khoa học xã hội"), ("Hà Nội", "Hội Nhà văn"), ("Hà Nội", "Thế giới"),
              ("Hà Nội", "Đại học Quốc gia Hà Nội"), ("Hà Nội", "Nông nghiệp"),
              ("Hà Nội", "Lao động"), ("Hà Nội", "Phụ nữ Việt Nam"), ("Ninh Bình", "Sở Văn hóa và Thể thao Ninh Bình")]
# (subject heading, DDC class, title nouns)
TOPICS = [
    ("Lịch sử Việt Nam", "959.7", ["Lịch sử", "Biên niên", "Sử liệu", "Những trang sử", "Câu chuyện lịch sử"]),
    ("Văn học Việt Nam", "895.922", ["Tuyển tập truyện ngắn", "Tập thơ", "Tiểu thuyết", "Tản văn", "Bút ký"]),
    ("Nông nghiệp", "630", ["Kỹ thuật trồng", "Hướng dẫn chăm sóc", "Sổ tay nhà nông", "Giống cây"]),
    ("Chăn nuôi", "636", ["Kỹ thuật nuôi", "Phòng bệnh cho", "Chăn nuôi"]),
    ("Giáo dục", "370", ["Giáo trình", "Phương pháp dạy học", "Sách giáo viên", "Cẩm nang"]),
    ("Toán học", "510", ["Bài tập", "Chuyên đề", "Giáo trình", "Tuyển tập đề thi"]),
    ("Y học", "610", ["Cẩm nang sức khỏe", "Thuốc nam", "Chăm sóc", "Phòng bệnh"]),
    ("Địa lý Việt Nam", "915.97", ["Địa chí", "Du lịch", "Khám phá", "Non nước"]),
    ("Văn hóa dân gian", "398", ["Truyện cổ tích", "Ca dao tục ngữ", "Lễ hội", "Phong tục"]),
    ("Tin học", "004", ["Giáo trình tin học", "Lập trình", "Tin học văn phòng"]),
    ("Kinh tế", "330", ["Kinh tế học", "Quản trị", "Khởi nghiệp", "Phát triển"]),
    ("Pháp luật", "340", ["Hỏi đáp pháp luật", "Luật", "Văn bản pháp luật"]),
]
OBJECTS = {
    "Nông nghiệp": ["lúa", "ngô", "khoai lang", "rau sạch", "cây ăn quả", "chè", "cà phê", "lạc"],
    "Chăn nuôi": ["dê", "lợn", "gà", "vịt", "bò", "cá nước ngọt", "ong mật", "thỏ"],
}
PLACES = ["Ninh Bình", "Hoa Lư", "Tràng An", "Kim Sơn", "Yên Mô", "Nho Quan", "Gia Viễn",
          "Tam Điệp", "Yên Khánh", "đồng bằng sông Hồng", "miền Bắc", "Việt Nam", "Tây Bắc",
          "Hà Nội", "Huế", "Nam Định", "Thanh Hóa"]
QUALIFIERS = ["thời kỳ đổi mới", "cho học sinh trung học", "dành cho thiếu nhi", "thế kỷ XX",
              "qua các thời kỳ", "từ năm 1945 đến nay", "hiện đại", "truyền thống", "cơ bản",
              "nâng cao", "trong gia đình", "ở nông thôn"]


def person(rng):
    return f"{rng.choice(SURNAMES)}, {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def isbn(rng):
    core = "978604" + "".join(str(rng.randrange(10)) for _ in range(6))
    return core + isbn13_check_digit(core)


def _title(rng, heading, nouns):
    noun = rng.choice(nouns)
    if heading in OBJECTS:
        return f"{noun} {rng.choice(OBJECTS[heading])}"
    shape = rng.randrange(3)
    if shape == 0:
        return f"{noun} {rng.choice(PLACES)}"
    if shape == 1:
        return f"{noun} {rng.choice(QUALIFIERS)}"
    return f"{noun} {rng.choice(PLACES)} {rng.choice(QUALIFIERS)}"


def marc_record(title, authors=(), year=None, publisher=None, place=None, subjects=(), ddc="",
                isbns=(), language="vie", control=None, notes=(), pages=None, material="a"):
    """MARC-in-JSON for a book, as a cataloguer would key it."""
    year_text = str(year) if year else "    "
    fixed = f"{'260101'}s{year_text}    vm            000 0 {language} d"
    fixed = fixed[:40].ljust(40)
    fields = []
    if control:
        fields += [{"001": control}, {"003": "VN-NBTV"}]
    fields.append({"008": fixed})
    fields += [{"020": {"ind1": " ", "ind2": " ", "subfields": [{"a": i}]}} for i in isbns]
    fields.append({"041": {"ind1": "0", "ind2": " ", "subfields": [{"a": language}]}})
    if ddc:
        fields.append({"082": {"ind1": "0", "ind2": "4", "subfields": [{"a": ddc}, {"2": "23"}]}})
    if authors:
        fields.append({"100": {"ind1": "1", "ind2": " ", "subfields": [{"a": authors[0] + ","}]}})
    main, _, rest = title.partition(" : ")
    title_subfields = [{"a": main + (" :" if rest else "") + (" /" if authors else ".")}]
    if rest:
        title_subfields.insert(1, {"b": rest + (" /" if authors else ".")})
        title_subfields[0] = {"a": main + " :"}
    if authors:
        title_subfields.append({"c": " ; ".join(_display_name(a) for a in authors) + "."})
    fields.append({"245": {"ind1": "1" if authors else "0", "ind2": "0", "subfields": title_subfields}})
    imprint = [{"a": (place or "Hà Nội") + " :"}, {"b": (publisher or "Văn học") + ","}]
    if year:
        imprint.append({"c": f"{year}."})
    fields.append({"264": {"ind1": " ", "ind2": "1", "subfields": imprint}})
    if pages:
        fields.append({"300": {"ind1": " ", "ind2": " ", "subfields": [{"a": f"{pages} tr. ;"}, {"c": "21 cm."}]}})
    fields += [{"500": {"ind1": " ", "ind2": " ", "subfields": [{"a": n}]}} for n in notes]
    fields += [{"650": {"ind1": " ", "ind2": "7", "subfields": [{"a": s}, {"2": "Bộ TKTV"}]}} for s in subjects]
    fields += [{"700": {"ind1": "1", "ind2": " ", "subfields": [{"a": a + ","}]}} for a in authors[1:]]
    return {"leader": f"00000n{material}m a22000007a 4500", "fields": fields}


def _display_name(name):
    surname, _, given = name.partition(", ")
    return f"{surname} {given}".strip()


def generate_records(count, seed=2026, start=1):
    """Yield ``count`` MARC-in-JSON records with Vietnamese titles, authors and subjects."""
    rng = random.Random(seed)
    for n in range(start, start + count):
        heading, ddc, nouns = rng.choice(TOPICS)
        authors = [person(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        place, publisher = rng.choice(PUBLISHERS)
        title = _title(rng, heading, nouns)
        subjects = [heading] + ([rng.choice(PLACES)] if rng.random() < 0.3 else [])
        yield marc_record(
            title=title[0].upper() + title[1:], authors=authors, year=rng.randint(1960, 2026),
            publisher=publisher, place=place, subjects=subjects,
            ddc=f"{ddc}{rng.randint(0, 99):02d}" if "." in ddc else ddc,
            isbns=[isbn(rng)], control=f"GEN{n:08d}", pages=rng.randint(40, 600),
        )
