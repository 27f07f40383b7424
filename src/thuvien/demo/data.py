"""The Ninh Bình demo network and its collection."""

NETWORK = ("NB", "Mạng lưới thư viện tỉnh Ninh Bình")

# code, name, type, district, address
LIBRARIES = [
    ("NB-TVT", "Thư viện tỉnh Ninh Bình", "provincial", "Thành phố Ninh Bình", "Số 2 đường Lương Văn Thụy, phường Đông Thành, thành phố Ninh Bình"),
    ("NB-TPNB", "Thư viện thành phố Ninh Bình", "district", "Thành phố Ninh Bình", "Đường Trần Hưng Đạo, thành phố Ninh Bình"),
    ("NB-TD", "Thư viện thành phố Tam Điệp", "district", "Thành phố Tam Điệp", "Phường Bắc Sơn, thành phố Tam Điệp"),
    ("NB-NQ", "Thư viện huyện Nho Quan", "district", "Huyện Nho Quan", "Thị trấn Nho Quan, huyện Nho Quan"),
    ("NB-GV", "Thư viện huyện Gia Viễn", "district", "Huyện Gia Viễn", "Thị trấn Me, huyện Gia Viễn"),
    ("NB-HL", "Thư viện huyện Hoa Lư", "district", "Huyện Hoa Lư", "Thị trấn Thiên Tôn, huyện Hoa Lư"),
    ("NB-YK", "Thư viện huyện Yên Khánh", "district", "Huyện Yên Khánh", "Thị trấn Yên Ninh, huyện Yên Khánh"),
    ("NB-KS", "Thư viện huyện Kim Sơn", "district", "Huyện Kim Sơn", "Thị trấn Phát Diệm, huyện Kim Sơn"),
    ("NB-YM", "Thư viện huyện Yên Mô", "district", "Huyện Yên Mô", "Thị trấn Yên Thịnh, huyện Yên Mô"),
    ("NB-THPT-LVT", "Thư viện Trường THPT chuyên Lương Văn Tụy", "school", "Thành phố Ninh Bình", "Đường Lê Đại Hành, thành phố Ninh Bình"),
    ("NB-THCS-DTH", "Thư viện Trường THCS Đinh Tiên Hoàng", "school", "Thành phố Ninh Bình", "Phường Thanh Bình, thành phố Ninh Bình"),
    ("NB-TH-KS", "Thư viện Trường Tiểu học Phát Diệm", "school", "Huyện Kim Sơn", "Thị trấn Phát Diệm, huyện Kim Sơn"),
    ("NB-CD-TA", "Thư viện cộng đồng xã Trường Yên", "community", "Huyện Hoa Lư", "Xã Trường Yên, huyện Hoa Lư"),
    ("NB-TN-PL", "Thư viện tư nhân Phúc Lộc", "private", "Huyện Yên Khánh", "Thôn Phúc Lộc, xã Khánh Hội, huyện Yên Khánh"),
    ("NB-QS-BCH", "Thư viện Bộ Chỉ huy Quân sự tỉnh Ninh Bình", "armed_forces", "Thành phố Ninh Bình", "Đường Trần Nhân Tông, phường Ninh Phong, thành phố Ninh Bình"),
    ("NB-CN-BV", "Thư viện chuyên ngành Bệnh viện Đa khoa tỉnh Ninh Bình", "specialised", "Thành phố Ninh Bình", "Đường Tuệ Tĩnh, phường Nam Thành, thành phố Ninh Bình"),
]
HOURS = "Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–17:00\nThứ Bảy: 8:00–11:30"
# Opening hours by library type (the public libraries use HOURS).
HOURS_BY_TYPE = {
    "school": "Thứ Hai – Thứ Sáu: 7:00–11:00, 13:30–16:30 (trong năm học)",
    "community": "Thứ Ba – Chủ nhật: 14:00–17:00, 19:00–21:00",
    "private": "Thứ Bảy – Chủ nhật: 8:00–11:00, 14:00–17:00",
    "armed_forces": "Thứ Hai – Thứ Sáu: 7:30–11:00, 13:30–16:30 (cán bộ, chiến sĩ và khách có đăng ký)",
    "specialised": "Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–21:00",
}

# code, name, kind — every library gets the first four; provincial and district ones all of them.
LOCATIONS = [
    ("MUON", "Phòng mượn", "lending"),
    ("DOC", "Phòng đọc", "reading_room"),
    ("TN", "Phòng thiếu nhi", "children"),
    ("KHO", "Kho lưu trữ", "store"),
    ("DC", "Phòng tài liệu địa chí", "local_studies"),
]

# title, authors (surname, given), year, publisher, place, subjects, ddc, notes
CLASSICS = [
    ("Truyện Kiều", ["Nguyễn, Du"], 2015, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Truyện thơ"], "895.9221", ["Đoạn trường tân thanh"]),
    ("Dế Mèn phiêu lưu ký", ["Tô, Hoài"], 2019, "Kim Đồng", "Hà Nội", ["Văn học thiếu nhi", "Truyện dài"], "895.9223", ["Tác phẩm viết năm 1941"]),
    ("Số đỏ", ["Vũ, Trọng Phụng"], 2016, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Tiểu thuyết"], "895.9223", []),
    ("Tắt đèn", ["Ngô, Tất Tố"], 2017, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Tiểu thuyết"], "895.9223", []),
    ("Chí Phèo", ["Nam Cao"], 2018, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Lão Hạc", ["Nam Cao"], 2020, "Kim Đồng", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Vợ chồng A Phủ", ["Tô, Hoài"], 2014, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Đất rừng phương Nam", ["Đoàn, Giỏi"], 2018, "Kim Đồng", "Hà Nội", ["Văn học thiếu nhi", "Tiểu thuyết"], "895.9223", []),
    ("Truyện Lục Vân Tiên", ["Nguyễn, Đình Chiểu"], 2012, "Giáo dục Việt Nam", "Hà Nội", ["Văn học Việt Nam", "Truyện thơ"], "895.9221", []),
    ("Nỗi buồn chiến tranh", ["Bảo Ninh"], 2011, "Trẻ", "TP. Hồ Chí Minh", ["Văn học Việt Nam", "Tiểu thuyết"], "895.9223", []),
    ("Những ngôi sao xa xôi", ["Lê, Minh Khuê"], 2019, "Kim Đồng", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Mắt biếc", ["Nguyễn, Nhật Ánh"], 2019, "Trẻ", "TP. Hồ Chí Minh", ["Văn học Việt Nam", "Truyện dài"], "895.9223", []),
    ("Cho tôi xin một vé đi tuổi thơ", ["Nguyễn, Nhật Ánh"], 2018, "Trẻ", "TP. Hồ Chí Minh", ["Văn học thiếu nhi", "Truyện dài"], "895.9223", []),
    ("Tôi thấy hoa vàng trên cỏ xanh", ["Nguyễn, Nhật Ánh"], 2018, "Trẻ", "TP. Hồ Chí Minh", ["Văn học thiếu nhi", "Truyện dài"], "895.9223", []),
    ("Bỉ vỏ", ["Nguyên Hồng"], 2015, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Tiểu thuyết"], "895.9223", []),
    ("Những ngày thơ ấu", ["Nguyên Hồng"], 2017, "Kim Đồng", "Hà Nội", ["Văn học Việt Nam", "Hồi ký"], "895.9228", []),
    ("Vang bóng một thời", ["Nguyễn, Tuân"], 2016, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Gió đầu mùa", ["Thạch Lam"], 2015, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Truyện ngắn"], "895.9223", []),
    ("Hà Nội băm sáu phố phường", ["Thạch Lam"], 2014, "Hội Nhà văn", "Hà Nội", ["Hà Nội", "Bút ký"], "895.9228", []),
    ("Nhật ký Đặng Thùy Trâm", ["Đặng, Thùy Trâm"], 2005, "Hội Nhà văn", "Hà Nội", ["Văn học Việt Nam", "Nhật ký"], "895.9228", []),
    ("Chinh phụ ngâm", ["Đặng, Trần Côn", "Đoàn, Thị Điểm"], 2013, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Thơ"], "895.9221", ["Bản dịch Nôm"]),
    ("Thơ Hồ Xuân Hương", ["Hồ, Xuân Hương"], 2012, "Văn học", "Hà Nội", ["Văn học Việt Nam", "Thơ"], "895.9221", []),
    ("Nhật ký trong tù", ["Hồ, Chí Minh"], 2020, "Chính trị quốc gia Sự thật", "Hà Nội", ["Văn học Việt Nam", "Thơ"], "895.9221", []),
    ("Việt Nam sử lược", ["Trần, Trọng Kim"], 2018, "Văn học", "Hà Nội", ["Lịch sử Việt Nam"], "959.7", []),
    ("Đại Việt sử ký toàn thư", ["Ngô, Sĩ Liên"], 2011, "Khoa học xã hội", "Hà Nội", ["Lịch sử Việt Nam", "Sử liệu"], "959.701", []),
    ("Tuổi thơ dữ dội", ["Phùng, Quán"], 2019, "Kim Đồng", "Hà Nội", ["Văn học thiếu nhi", "Tiểu thuyết"], "895.9223", []),
    ("Bến không chồng", ["Dương, Hướng"], 2016, "Hội Nhà văn", "Hà Nội", ["Văn học Việt Nam", "Tiểu thuyết"], "895.9223", []),
    ("Kỹ thuật nuôi dê", ["Đinh, Văn Cải"], 2016, "Nông nghiệp", "Hà Nội", ["Chăn nuôi", "Dê"], "636.39", ["Hướng dẫn chọn giống, chuồng trại, thức ăn cho dê"]),
    ("Nuôi dê sữa và dê thịt", ["Lê, Văn Thông"], 2014, "Nông nghiệp", "Hà Nội", ["Chăn nuôi", "Dê"], "636.39", []),
    ("Dễ học tiếng Anh", ["Trần, Thị Mai"], 2021, "Đại học Quốc gia Hà Nội", "Hà Nội", ["Tiếng Anh"], "428", []),
]

LOCAL_STUDIES = [
    ("Địa chí Ninh Bình", ["Trương, Đình Tưởng"], 2010, "Chính trị quốc gia", "Hà Nội", ["Địa chí", "Ninh Bình"], "915.9739", ["Tài liệu địa chí"]),
    ("Cố đô Hoa Lư : lịch sử và danh thắng", ["Lã, Đăng Bật"], 2009, "Sở Văn hóa và Thể thao Ninh Bình", "Ninh Bình", ["Hoa Lư", "Di tích lịch sử"], "959.739", []),
    ("Quần thể danh thắng Tràng An", ["Nguyễn, Văn Trò"], 2015, "Thế giới", "Hà Nội", ["Tràng An", "Di sản thế giới"], "915.9739", []),
    ("Chùa Bái Đính", ["Nguyễn, Thị Hương"], 2012, "Văn hóa dân tộc", "Hà Nội", ["Ninh Bình", "Chùa"], "294.3435", []),
    ("Nhà thờ đá Phát Diệm", ["Bùi, Văn Tam"], 2013, "Thế giới", "Hà Nội", ["Kim Sơn", "Kiến trúc"], "726.509597", []),
    ("Vườn quốc gia Cúc Phương", ["Trương, Quang Bích"], 2016, "Nông nghiệp", "Hà Nội", ["Nho Quan", "Vườn quốc gia"], "333.78", []),
    ("Khu bảo tồn thiên nhiên đất ngập nước Vân Long", ["Phạm, Hồng Nga"], 2017, "Khoa học tự nhiên và Công nghệ", "Hà Nội", ["Gia Viễn", "Bảo tồn thiên nhiên"], "333.918", []),
    ("Lịch sử Đảng bộ tỉnh Ninh Bình", ["Ban Chấp hành Đảng bộ tỉnh Ninh Bình"], 2010, "Chính trị quốc gia", "Hà Nội", ["Ninh Bình", "Lịch sử"], "324.2597", []),
    ("Văn hóa dân gian Ninh Bình", ["Trương, Đình Tưởng"], 2008, "Khoa học xã hội", "Hà Nội", ["Văn hóa dân gian", "Ninh Bình"], "398.0959739", []),
    ("Tam Cốc – Bích Động", ["Đỗ, Thị Hảo"], 2014, "Thế giới", "Hà Nội", ["Hoa Lư", "Danh thắng"], "915.9739", []),
    ("Nghệ thuật chèo Ninh Bình", ["Hoàng, Kiều"], 2011, "Sân khấu", "Hà Nội", ["Chèo", "Ninh Bình"], "792.09597", []),
    ("Lễ hội truyền thống Ninh Bình", ["Lã, Đăng Bật"], 2012, "Sở Văn hóa và Thể thao Ninh Bình", "Ninh Bình", ["Lễ hội", "Ninh Bình"], "394.269597", []),
    ("Đinh Tiên Hoàng và kinh đô Hoa Lư", ["Nguyễn, Văn Tuấn"], 2018, "Khoa học xã hội", "Hà Nội", ["Đinh Tiên Hoàng", "Hoa Lư"], "959.7021", []),
    ("Kim Sơn : đất và người", ["Phạm, Văn Hòa"], 2019, "Sở Văn hóa và Thể thao Ninh Bình", "Ninh Bình", ["Kim Sơn", "Địa chí"], "915.9739", []),
    ("Nguyễn Công Trứ với vùng đất Kim Sơn", ["Vũ, Ngọc Khánh"], 2009, "Văn hóa thông tin", "Hà Nội", ["Nguyễn Công Trứ", "Kim Sơn"], "959.7029", []),
]

STAFF = [
    # username, role, library code (None: network-wide), full name
    ("admin", "network_admin", None, "Quản trị mạng lưới"),
    ("tvt_admin", "library_admin", "NB-TVT", "Quản trị Thư viện tỉnh"),
    ("kimson_admin", "library_admin", "NB-KS", "Quản trị Thư viện Kim Sơn"),
    ("kimson_catalog", "cataloguer", "NB-KS", "Biên mục Kim Sơn"),
    ("kimson_desk", "circulation", "NB-KS", "Lưu thông Kim Sơn"),
    ("yenmo_catalog", "cataloguer", "NB-YM", "Biên mục Yên Mô"),
    ("yenmo_desk", "circulation", "NB-YM", "Lưu thông Yên Mô"),
]
DEMO_PASSWORD = "thuvien-demo-2026"
