"""OCR quality: pages with known Vietnamese text, recognised by the ingest's OCR path.

    python bench/ocr_quality.py [--pages N] [--seed-file PATH]

Paragraphs come from the provincial plan in ../shared/seed/ (or built-in sample text);
each page is set in DejaVu at a print-like size (and one noisy, slightly skewed "scan"
variant), recognised with Tesseract `vie` exactly as ingest does, and compared with
the truth. Character accuracy = 1 - edit distance / length (whitespace collapsed, NFC).
"""

import argparse
import os
import random
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ.setdefault("THUVIEN_DATA_DIR", tempfile.mkdtemp(prefix="thuvien-ocrq-"))


def edit_distance(a, b):
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalise(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def paragraphs(seed_file):
    text = seed_file.read_text(encoding="utf-8") if seed_file and seed_file.is_file() else ""
    text = re.sub(r"\n\s*\d+\s*\n", "\n", text)  # page numbers of the source
    joined = re.sub(r"\s*\n\s*", " ", text)
    sentences = [s.strip() for s in re.split(r"(?<=[.;:])\s+", joined) if len(s.strip()) > 60]
    chunks, current = [], ""
    for sentence in sentences:
        current = f"{current} {sentence}".strip()
        if len(current) > 500:
            chunks.append(current)
            current = ""
    return chunks


def scan_like(path, rng):
    """Grey paper, noise, a small skew and blur: closer to a real scan."""
    from PIL import Image, ImageFilter

    image = Image.open(path).convert("L")
    image = image.rotate(rng.uniform(-1.2, 1.2), resample=Image.BICUBIC, fillcolor=255, expand=False)
    image = image.filter(ImageFilter.GaussianBlur(1.0))
    noise = Image.effect_noise(image.size, 40)
    image = Image.blend(image, noise, 0.25).point(lambda v: max(0, v - 20))
    image.save(path, quality=45)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4)
    seeds = sorted((ROOT.parent / "shared" / "seed").glob("*.txt"))
    parser.add_argument("--seed-file", type=Path, default=seeds[0] if seeds else None)
    args = parser.parse_args()

    import django

    django.setup()
    from thuvien.digital.imaging import PageSource, load_page
    from thuvien.digital.ocr import recognise
    from thuvien.digital import hocr
    from thuvien.digital.samples import TEXTS, page_image

    texts = paragraphs(args.seed_file) or TEXTS
    rng = random.Random(7)
    variants = [("clean, 30 px type", dict(font_size=30), False),
                ("clean, small 17 px type", dict(font_size=17), False),
                ("scan-like 24 px (noise/skew/blur)", dict(font_size=24), True)]
    totals = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.pages):
            truth = texts[n % len(texts)]
            for name, options, scanned in variants:
                path = Path(tmp) / f"p{n}-{len(totals)}.jpg"
                page_image(truth, path, **options)
                if scanned:
                    scan_like(path, rng)
                text = hocr.text(recognise(load_page(PageSource(path, "image/jpeg"))))
                a, b = normalise(truth), normalise(text)
                errors, length = totals.get(name, (0, 0))
                totals[name] = (errors + edit_distance(a, b), length + len(a))
    elapsed = time.perf_counter() - started
    all_errors = sum(e for e, _ in totals.values())
    all_length = sum(n for _, n in totals.values())
    print(f"OCR quality, Tesseract '{os.environ.get('THUVIEN_DIGITAL_OCR_LANGUAGES', 'vie')}', "
          f"{args.pages} texts x {len(variants)} variants, {elapsed:.1f} s")
    for name, (errors, length) in totals.items():
        print(f"  {name:32s} character accuracy {100 * (1 - errors / length):6.2f}%  ({errors} errors / {length} chars)")
    print(f"  {'all pages':32s} character accuracy {100 * (1 - all_errors / all_length):6.2f}%")


if __name__ == "__main__":
    main()
