"""User-facing texts of authentication and user administration: Bahasa Indonesia by default,
English when the client prefers it (`Accept-Language: en`)."""
from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "id"

# code -> (Bahasa Indonesia, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # request-level
    "bad_request": ("Permintaan tidak dapat diproses.", "The request cannot be processed."),
    "input_invalid": ("Data yang dikirim tidak valid.", "The submitted data is invalid."),
    "invalid_credentials": ("Nama pengguna atau kata sandi salah.", "Incorrect username or password."),
    "missing_token": ("Permintaan ini memerlukan token akses (header Authorization: Bearer <token>).",
                      "This request needs an access token (header Authorization: Bearer <token>)."),
    "malformed_authorization": ("Header Authorization harus berbentuk 'Bearer <token>'.",
                                "The Authorization header must look like 'Bearer <token>'."),
    "invalid_token": ("Token akses tidak sah atau sudah kedaluwarsa; perbarui token atau masuk kembali.",
                      "The access token is invalid or has expired; refresh it or sign in again."),
    "invalid_refresh_token": ("Refresh token tidak sah, kedaluwarsa, atau sudah dicabut; silakan masuk kembali.",
                              "The refresh token is invalid, expired or revoked; please sign in again."),
    "rate_limited": ("Terlalu banyak percobaan masuk yang gagal; coba lagi dalam {retry_after} detik.",
                     "Too many failed sign-in attempts; try again in {retry_after} seconds."),
    "forbidden": ("Anda tidak berhak melakukan tindakan ini.", "You may not do this."),
    "admin_only": ("Hanya administrator yang boleh melakukan tindakan ini.", "Only administrators may do this."),
    "other_pemda": ("Administrator hanya dapat mengelola pengguna pemda {pemda}.",
                    "An administrator can only manage users of pemda {pemda}."),
    "self_change": ("Anda tidak dapat mengubah peran atau menonaktifkan akun Anda sendiri.",
                    "You cannot change the role of, or deactivate, your own account."),
    "user_not_found": ("Pengguna tidak ditemukan.", "User not found."),
    "username_taken": ("Nama pengguna {username} sudah dipakai.", "The username {username} is already taken."),
    # field-level
    "not_object": ("Isi permintaan harus berupa objek JSON.", "The request body must be a JSON object."),
    "required": ("Wajib diisi.", "This field is required."),
    "unknown_field": ("Kolom ini tidak dikenal.", "Unknown field."),
    "not_null": ("Tidak boleh kosong (null).", "Must not be null."),
    "type_string": ("Harus berupa teks.", "Must be a string."),
    "type_boolean": ("Harus bernilai true atau false.", "Must be true or false."),
    "type_integer": ("Harus berupa bilangan bulat.", "Must be an integer."),
    "too_short": ("Minimal {min} karakter.", "Must be at least {min} characters long."),
    "too_long": ("Maksimal {max} karakter.", "Must be at most {max} characters long."),
    "min_value": ("Minimal {min}.", "Must be at least {min}."),
    "max_value": ("Maksimal {max}.", "Must be at most {max}."),
    "choice": ("Harus salah satu dari: {choices}.", "Must be one of: {choices}."),
    "repeated": ("Hanya boleh diberikan satu kali.", "May be given only once."),
    "format_username": ("Nama pengguna 3-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, "
                        "diawali huruf atau angka.",
                        "Usernames are 3-64 characters: lowercase letters, digits, '.', '_' or '-', starting "
                        "with a letter or digit."),
    "format_pemda": ("Kode pemda berbentuk NN.NN (kode kabupaten/kota Kemendagri, mis. 12.21).",
                     "A pemda code looks like NN.NN (the Kemendagri regency/city code, e.g. 12.21)."),
    "format_code": ("Kode 1-64 karakter: huruf, angka, titik, garis bawah atau tanda hubung.",
                    "A code is 1-64 characters: letters, digits, '.', '_' or '-'."),
    "format_desa": ("Operator desa wajib punya kode desa/kelurahan berbentuk NN.NN.NN.NNNN (mis. 12.21.01.2001).",
                    "A village operator needs a village code like NN.NN.NN.NNNN (e.g. 12.21.01.2001)."),
    "format_kecamatan": ("Operator kecamatan wajib punya kode kecamatan berbentuk NN.NN.NN (mis. 12.21.01).",
                         "A district operator needs a district code like NN.NN.NN (e.g. 12.21.01)."),
    "wilayah_outside_pemda": ("Wilayah {wilayah} tidak berada di pemda {pemda}.",
                              "Area {wilayah} is not part of pemda {pemda}."),
    "scope_required": ("Wajib diisi untuk peran {role}.", "Required for the role {role}."),
    "scope_not_allowed": ("Harus kosong untuk peran {role}.", "Must be empty for the role {role}."),
    "password_equals_username": ("Kata sandi tidak boleh sama dengan nama pengguna.",
                                 "The password must not equal the username."),
    "wrong_password": ("Kata sandi saat ini salah.", "The current password is wrong."),
    "no_changes": ("Tidak ada kolom yang diubah.", "No field to change."),
    "type_object": ("Harus berupa objek JSON.", "Must be a JSON object."),
    "type_array": ("Harus berupa daftar (array).", "Must be an array."),
    "type_number": ("Harus berupa angka.", "Must be a number."),
    "too_few_items": ("Minimal {min} butir.", "Must have at least {min} items."),
    "too_many_items": ("Maksimal {max} butir.", "Must have at most {max} items."),
    "format_pattern": ("Format tidak sesuai. {hint}", "Wrong format. {hint}"),
    "format_datetime": ("Harus berupa waktu ISO 8601 dengan zona waktu (selisih paling banyak ±14:00), "
                        "mis. 2027-01-15T09:00:00+07:00.",
                        "Must be an ISO 8601 date-time with a time zone (an offset of at most ±14:00), "
                        "e.g. 2027-01-15T09:00:00+07:00."),
    "format_date": ("Harus berupa tanggal ISO 8601, mis. 2027-01-15.", "Must be an ISO 8601 date, e.g. 2027-01-15."),
    "format_uuid": ("Harus berupa UUID.", "Must be a UUID."),
    "format_email": ("Harus berupa alamat e-mail.", "Must be an e-mail address."),
    "format_uri": ("Harus berupa URL lengkap.", "Must be an absolute URL."),
    "invalid": ("Nilai tidak valid.", "Invalid value."),
    "invalid_character": ("Teks memuat karakter yang tidak diizinkan (karakter kontrol selain baris baru dan tab, "
                          "U+FFFE/U+FFFF, NUL, atau surrogate Unicode tunggal).",
                          "The text contains a character that is not allowed (a control character other than "
                          "newline and tab, U+FFFE/U+FFFF, NUL or a lone Unicode surrogate)."),
    # REST layer (gateway.api)
    "not_found": ("Alamat yang diminta tidak ditemukan.", "The requested address does not exist."),
    "if_match_required": ("Perubahan ini memerlukan header If-Match berisi ETag terakhir yang Anda baca.",
                          "This change needs an If-Match header with the ETag you last read."),
    "stale_etag": ("Data sudah diubah orang lain sejak Anda membacanya (ETag tidak cocok); baca ulang lalu ulangi. "
                   "Tidak ada yang diubah.",
                   "The data changed since you read it (ETag mismatch); read it again and retry. Nothing was changed."),
    "idempotency_in_progress": ("Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.",
                                "A request with this Idempotency-Key is still being processed; retry shortly."),
    "idempotency_key_reused": ("Idempotency-Key ini sudah dipakai untuk permintaan lain.",
                               "This Idempotency-Key was already used for a different request."),
    "idempotency_key_format": ("Idempotency-Key: 8-200 karakter huruf, angka, '.', '_', ':' atau '-'.",
                               "Idempotency-Key: 8-200 characters of letters, digits, '.', '_', ':' or '-'."),
    "unsupported_media": ("Jenis konten harus {media}.", "The content type must be {media}."),
}

# status -> (title id, title en); the Indonesian ones match gateway.problems.STATUS_TEXT
TITLES: dict[int, tuple[str, str]] = {
    400: ("Permintaan tidak valid", "Bad request"),
    401: ("Belum terautentikasi", "Not authenticated"),
    403: ("Akses ditolak", "Forbidden"),
    404: ("Tidak ditemukan", "Not found"),
    405: ("Metode tidak diizinkan", "Method not allowed"),
    406: ("Format tidak didukung", "Not acceptable"),
    409: ("Konflik", "Conflict"),
    411: ("Panjang isi diperlukan", "Length required"),
    412: ("Prasyarat gagal", "Precondition failed"),
    413: ("Isi permintaan terlalu besar", "Payload too large"),
    415: ("Jenis konten tidak didukung", "Unsupported media type"),
    422: ("Data tidak valid", "Invalid data"),
    428: ("Prasyarat diperlukan", "Precondition required"),
    429: ("Terlalu banyak permintaan", "Too many requests"),
    500: ("Kesalahan internal", "Internal error"),
    503: ("Layanan tidak tersedia", "Service unavailable"),
    504: ("Layanan tidak merespons", "Service timeout"),
}


def preferred_language(accept_language: str | None) -> str:
    """"en" when the client ranks English above Indonesian (RFC 9110 quality values), else "id"."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept_language.split(",")):
        parts = [p.strip() for p in item.split(";")]
        tag = parts[0].lower()
        primary = tag.split("-", 1)[0]
        language = {"id": "id", "in": "id", "en": "en"}.get(primary)
        if language is None:
            continue
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (quality, -position, language)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else DEFAULT_LANGUAGE


def text(code: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    pair = MESSAGES.get(code) or MESSAGES["bad_request"]
    template = pair[1] if language == "en" else pair[0]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def title(status: int, language: str = DEFAULT_LANGUAGE) -> str | None:
    pair = TITLES.get(status)
    if pair is None:
        return None
    return pair[1] if language == "en" else pair[0]


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add message codes (Bahasa Indonesia, English) from another module; a code may be defined once."""
    clash = set(messages) & set(MESSAGES)
    if clash:
        raise ValueError(f"message codes defined twice: {sorted(clash)}")
    MESSAGES.update(messages)
