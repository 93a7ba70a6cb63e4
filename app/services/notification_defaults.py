"""Default notification templates (seeded into NotificationTemplate; Admin edits them there).

Jinja (sandboxed) over the notify() context: order, title, amount, currency, purpose, ...
"""
EN, ID, RU = "en", "id", "ru"

DEFAULT_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "order_created": {
        EN: ("Order {{ order }} received", "We have received your order {{ order }} ({{ title }})."),
        ID: ("Pesanan {{ order }} diterima", "Pesanan Anda {{ order }} ({{ title }}) telah kami terima."),
        RU: ("Заказ {{ order }} принят", "Мы получили ваш заказ {{ order }} ({{ title }})."),
    },
    "offer_made": {
        EN: ("New order offered: {{ order }}", "Order {{ order }} ({{ title }}) is offered to you. Take it or decline it."),
        ID: ("Pesanan baru ditawarkan: {{ order }}", "Pesanan {{ order }} ({{ title }}) ditawarkan kepada Anda. Ambil atau tolak."),
        RU: ("Вам предложен заказ {{ order }}", "Вам предложен заказ {{ order }} ({{ title }}). Возьмите его или откажитесь."),
    },
    "offer_taken": {
        EN: ("Order {{ order }} was taken", "{{ worker|default('The worker') }} took order {{ order }}."),
        ID: ("Pesanan {{ order }} diambil", "{{ worker|default('Pekerja') }} mengambil pesanan {{ order }}."),
        RU: ("Заказ {{ order }} взят", "{{ worker|default('Исполнитель') }} взял заказ {{ order }}."),
    },
    "offer_declined": {
        EN: ("Order {{ order }} was declined", "{{ worker|default('The worker') }} declined order {{ order }}. {{ reason|default('') }}"),
        ID: ("Pesanan {{ order }} ditolak", "{{ worker|default('Pekerja') }} menolak pesanan {{ order }}. {{ reason|default('') }}"),
        RU: ("От заказа {{ order }} отказались", "{{ worker|default('Исполнитель') }} отказался от заказа {{ order }}. {{ reason|default('') }}"),
    },
    "payment_requested": {
        EN: ("Payment due for order {{ order }}", "Please pay {{ amount }} {{ currency }} ({{ purpose }}) for order {{ order }}."),
        ID: ("Pembayaran untuk pesanan {{ order }}", "Mohon bayar {{ amount }} {{ currency }} ({{ purpose }}) untuk pesanan {{ order }}."),
        RU: ("Оплата заказа {{ order }}", "Пожалуйста, оплатите {{ amount }} {{ currency }} ({{ purpose }}) по заказу {{ order }}."),
    },
    "payment_received": {
        EN: ("Payment received for order {{ order }}", "We received {{ amount }} {{ currency }} for order {{ order }}. Thank you."),
        ID: ("Pembayaran diterima untuk pesanan {{ order }}", "Kami menerima {{ amount }} {{ currency }} untuk pesanan {{ order }}. Terima kasih."),
        RU: ("Оплата по заказу {{ order }} получена", "Мы получили {{ amount }} {{ currency }} по заказу {{ order }}. Спасибо."),
    },
    "payment_rejected": {
        EN: ("Payment proof rejected for order {{ order }}", "Your proof of payment for order {{ order }} was rejected: {{ reason }}"),
        ID: ("Bukti pembayaran ditolak untuk pesanan {{ order }}", "Bukti pembayaran pesanan {{ order }} ditolak: {{ reason }}"),
        RU: ("Подтверждение оплаты заказа {{ order }} отклонено", "Подтверждение оплаты заказа {{ order }} отклонено: {{ reason }}"),
    },
    "payment_proof_uploaded": {
        EN: ("Proof of payment to verify: {{ order }}", "A proof of payment of {{ amount }} {{ currency }} for order {{ order }} waits for verification."),
        ID: ("Bukti pembayaran perlu diverifikasi: {{ order }}", "Bukti pembayaran {{ amount }} {{ currency }} untuk pesanan {{ order }} menunggu verifikasi."),
        RU: ("Проверьте оплату: {{ order }}", "Подтверждение оплаты {{ amount }} {{ currency }} по заказу {{ order }} ждёт проверки."),
    },
    "order_ready": {
        EN: ("Order {{ order }} is ready", "Your order {{ order }} ({{ title }}) is ready."),
        ID: ("Pesanan {{ order }} sudah siap", "Pesanan Anda {{ order }} ({{ title }}) sudah siap."),
        RU: ("Заказ {{ order }} готов", "Ваш заказ {{ order }} ({{ title }}) готов."),
    },
    "work_delivered": {
        EN: ("Your work for order {{ order }}", "The work for order {{ order }} ({{ title }}) is attached."),
        ID: ("Hasil pekerjaan pesanan {{ order }}", "Hasil pekerjaan untuk pesanan {{ order }} ({{ title }}) terlampir."),
        RU: ("Работа по заказу {{ order }}", "Работа по заказу {{ order }} ({{ title }}) во вложении."),
    },
    "no_candidate": {
        EN: ("No one available for order {{ order }}", "No worker could be found for order {{ order }} ({{ title }}); it waits, flagged."),
        ID: ("Tidak ada pekerja untuk pesanan {{ order }}", "Tidak ada pekerja untuk pesanan {{ order }} ({{ title }}); pesanan menunggu dan ditandai."),
        RU: ("Нет исполнителя для заказа {{ order }}", "Для заказа {{ order }} ({{ title }}) не нашлось исполнителя; заказ ждёт и помечен."),
    },
    "payout_due": {
        EN: ("Payout due: {{ amount }} {{ currency }}", "A payout of {{ amount }} {{ currency }} to {{ worker }} is due."),
        ID: ("Pembayaran upah jatuh tempo: {{ amount }} {{ currency }}", "Pembayaran {{ amount }} {{ currency }} kepada {{ worker }} jatuh tempo."),
        RU: ("Выплата: {{ amount }} {{ currency }}", "Пора выплатить {{ amount }} {{ currency }} исполнителю {{ worker }}."),
    },
}

_DUE = {
    EN: ("Payment due for order {{ order }}", "Please pay {{ pending }} {{ currency }} for order {{ order }} ({{ title }}). "
         "Open the order and press Pay. Still to pay in total: {{ balance }} {{ currency }}."),
    ID: ("Pembayaran untuk pesanan {{ order }}", "Mohon bayar {{ pending }} {{ currency }} untuk pesanan {{ order }} "
         "({{ title }}). Buka pesanan dan tekan Bayar. Sisa tagihan: {{ balance }} {{ currency }}."),
    RU: ("Оплата заказа {{ order }}", "Пожалуйста, оплатите {{ pending }} {{ currency }} по заказу {{ order }} "
         "({{ title }}). Откройте заказ и нажмите «Оплатить». Всего осталось: {{ balance }} {{ currency }}."),
}
for _key in ("deposit_due", "balance_due", "down_payment_due"):
    DEFAULT_TEMPLATES[_key] = dict(_DUE)

GENERIC = {
    EN: ("Order {{ order }}: {{ event }}", "There is news about order {{ order }} ({{ title }}): {{ event }}."),
    ID: ("Pesanan {{ order }}: pembaruan", "Ada kabar tentang pesanan {{ order }} ({{ title }}): {{ event }}."),
    RU: ("Заказ {{ order }}: новости", "Есть новости по заказу {{ order }} ({{ title }}): {{ event }}."),
}
