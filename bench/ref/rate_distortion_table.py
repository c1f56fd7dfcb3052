"""The table and the Bjontegaard delta rates of bench/rate-distortion.

Reads `hourglass compress --json` lines (one per model and code dtype) and prints one row per
line: bytes per image, PSNR and SSIM of the autoencoder, and each codec's PSNR at the same budget.
Then, for every autoencoder family (model type and dtype) restricted to its points at <= MAX_BYTES
bytes per image, the Bjontegaard delta rate against each codec: the mean difference of log(bytes)
at equal PSNR over the PSNR range both curves cover, each curve interpolated piecewise linearly in
PSNR (the piecewise form of JVET's BD-rate; the 2001 cubic fit wiggles on curves this uneven).
Negative: the autoencoder needs fewer bytes for the same PSNR. A codec's curve is built from every
budget the models produced, with the bytes the codec really used (at most the budget), keeping only
points that improve on every smaller size.

With CURVES.jsonl (`hourglass compress --codec-curves`), each codec's curve also has its points at
a ladder of its own settings, which reach its cheapest setting.

Usage: rate_distortion_table.py ROWS.jsonl MAX_BYTES [CURVES.jsonl]
"""
import json
import sys

import numpy as np

CODECS = (  # (PSNR key, bytes key, codec-curves name, name)
    ("wavelet_psnr_at_same_bytes", "wavelet_bytes_per_image", "wavelet", "wavelet"),
    ("jpeg_scan_psnr_at_same_bytes", "jpeg_scan_bytes_per_image", "jpeg_scan", "JPEG scan bytes"),
    ("jpeg_psnr_at_same_bytes", "jpeg_bytes_per_image", "jpeg", "JPEG files"),
    ("png_data_psnr_at_same_bytes", "png_data_bytes_per_image", "png_data", "PNG image data"),
    ("png_psnr_at_same_bytes", "png_lossy_bytes_per_image", "png", "PNG files"),
)


def fmt(v, p=2):
    return "n/a" if v is None else f"{v:.{p}f}"


def envelope(points):
    """Sorted by bytes, only the points whose PSNR beats every cheaper point."""
    out = []
    for b, p in sorted(set(points)):
        if not out or p > out[-1][1]:
            out.append((b, p))
    return out


def bd_rate(ae, codec):
    if len(ae) < 3 or len(codec) < 2:
        return None
    pa, ra = np.array([p for _, p in ae]), np.log([b for b, _ in ae])
    pc, rc = np.array([p for _, p in codec]), np.log([b for b, _ in codec])
    lo, hi = max(pa.min(), pc.min()), min(pa.max(), pc.max())
    if hi - lo < 0.5:
        return None
    grid = np.linspace(lo, hi, 1000)
    diff = np.interp(grid, pa, ra) - np.interp(grid, pc, rc)
    return (np.exp(diff.mean()) - 1) * 100, lo, hi


def main(path, max_bytes, curves_path=None):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    ladder = [json.loads(line) for line in open(curves_path) if line.strip()] if curves_path else []
    print(f"{'model':>6} {'latent':>6} {'dtype':>5} {'bytes/img':>9} {'PSNR':>6} {'SSIM':>6} "
          f"{'JPEG':>6} {'JPEGscan':>8} {'wavelet':>7} {'PNG':>6} {'PNGdata':>7} {'PCA':>6}")
    for j in rows:
        print(f"{j.get('model_type', ''):>6} {j['latent']:>6} {j['dtype']:>5} "
              f"{j['bytes_per_image']:>9.2f} {fmt(j['psnr']):>6} {fmt(j['ssim'], 3):>6} "
              f"{fmt(j['jpeg_psnr_at_same_bytes']):>6} "
              f"{fmt(j.get('jpeg_scan_psnr_at_same_bytes')):>8} "
              f"{fmt(j.get('wavelet_psnr_at_same_bytes')):>7} "
              f"{fmt(j.get('png_psnr_at_same_bytes')):>6} "
              f"{fmt(j.get('png_data_psnr_at_same_bytes')):>7} {fmt(j.get('pca_psnr')):>6}")
    print("PSNR in dB over the test digits (the codecs: the first 200). At the same bytes: JPEG = whole")
    print("stb JPEG files (n/a: even quality 1 is larger), JPEGscan = only JPEG's entropy-coded bytes,")
    print("wavelet = Haar + dead-zone + DEFLATE, PNG = fewer gray levels as whole PNG files, PNGdata =")
    print("only their compressed image data; PCA = the same number of coefficients (float).")
    print()
    curves = {}
    for key, bkey, codec, name in CODECS:
        pts = [(j.get(bkey) or j["bytes_per_image"], j[key]) for j in rows if j.get(key) is not None]
        pts += [(c["bytes_per_image"], c["psnr"]) for c in ladder if c["codec"] == codec]
        curves[name] = envelope(pts)
    if ladder:
        print("Each codec's cheapest points (bytes per image -> PSNR dB), from --codec-curves and the")
        print("budgets above, keeping only points better than every cheaper one:")
        for name, pts in curves.items():
            print(f"  {name:>16}: " + ", ".join(f"{b:.0f} -> {p:.1f}" for b, p in pts if b <= 2.5 * max_bytes))
        print()
    families = sorted({(j.get("model_type", "?"), j["dtype"]) for j in rows})
    print(f"BD-rate of each autoencoder (its points at <= {max_bytes:g} bytes per digit) against each codec:")
    for mt, dt in families:
        ae = envelope([(j["bytes_per_image"], j["psnr"]) for j in rows
                       if j.get("model_type", "?") == mt and j["dtype"] == dt
                       and j["bytes_per_image"] <= max_bytes])
        for name, codec in curves.items():
            r = bd_rate(ae, codec)
            text = ("n/a (fewer than 3 autoencoder points or no common PSNR range of 0.5 dB)"
                    if r is None else f"{r[0]:+.1f}% bytes at equal PSNR over {r[1]:.1f}-{r[2]:.1f} dB")
            print(f"  {mt} {dt} vs {name}: {text}")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
