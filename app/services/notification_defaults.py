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

# The academic-writing story (workflows/writing.yaml); context: order, title, comment, due, paid, balance.
WRITING_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "order_routed": {
        EN: ("New order for you: {{ order }}", "Order {{ order }} ({{ title }}) is on your desk. Offer it to an author."),
        ID: ("Pesanan baru untuk Anda: {{ order }}", "Pesanan {{ order }} ({{ title }}) ada di meja Anda. Tawarkan ke penulis."),
        RU: ("Новый заказ для вас: {{ order }}", "Заказ {{ order }} ({{ title }}) поступил к вам. Предложите его автору."),
    },
    "order_offered": {
        EN: ("Order offered to you: {{ order }}", "Order {{ order }} ({{ title }}) is offered to you. Open My offers to take it or decline it."),
        ID: ("Pesanan ditawarkan kepada Anda: {{ order }}", "Pesanan {{ order }} ({{ title }}) ditawarkan kepada Anda. Buka Tawaran saya untuk mengambil atau menolaknya."),
        RU: ("Вам предложен заказ {{ order }}", "Вам предложен заказ {{ order }} ({{ title }}). Откройте «Мои предложения», чтобы взять его или отказаться."),
    },
    "order_confirmed": {
        EN: ("Order {{ order }} confirmed", "The manager confirmed order {{ order }} can be done; start when the client's 50% arrives."),
        ID: ("Pesanan {{ order }} dikonfirmasi", "Manajer mengonfirmasi pesanan {{ order }} dapat dikerjakan; mulai setelah 50% dari klien diterima."),
        RU: ("Заказ {{ order }} подтверждён", "Менеджер подтвердил, что заказ {{ order }} выполним; начинайте, когда клиент оплатит 50%."),
    },
    "order_not_feasible": {
        EN: ("Order {{ order }} cannot be done", "We are sorry: order {{ order }} ({{ title }}) cannot be done. {{ comment }}"),
        ID: ("Pesanan {{ order }} tidak dapat dikerjakan", "Mohon maaf: pesanan {{ order }} ({{ title }}) tidak dapat dikerjakan. {{ comment }}"),
        RU: ("Заказ {{ order }} невыполним", "К сожалению, заказ {{ order }} ({{ title }}) выполнить невозможно. {{ comment }}"),
    },
    "start_writing": {
        EN: ("Start writing: {{ order }}", "The client paid 50% for order {{ order }} ({{ title }}). Upload the 50% part when it is ready."),
        ID: ("Mulai menulis: {{ order }}", "Klien telah membayar 50% untuk pesanan {{ order }} ({{ title }}). Unggah bagian 50% bila sudah siap."),
        RU: ("Приступайте: {{ order }}", "Клиент оплатил 50% по заказу {{ order }} ({{ title }}). Загрузите готовые 50% работы."),
    },
    "preview_uploaded": {
        EN: ("Check the 50% part of {{ order }}", "The author uploaded the 50% part of order {{ order }}. Check it and send it to the client."),
        ID: ("Periksa bagian 50% dari {{ order }}", "Penulis mengunggah bagian 50% pesanan {{ order }}. Periksa dan kirim ke klien."),
        RU: ("Проверьте 50% работы {{ order }}", "Автор загрузил 50% работы по заказу {{ order }}. Проверьте и отправьте клиенту."),
    },
    "preview_ready": {
        EN: ("Preview of your work {{ order }}", "The 50% part of your order {{ order }} ({{ title }}) is attached. Accept it and pay the rest, or ask for rework in My orders."),
        ID: ("Pratinjau pekerjaan Anda {{ order }}", "Bagian 50% pesanan {{ order }} ({{ title }}) terlampir. Terima dan bayar sisanya, atau minta revisi di Pesanan saya."),
        RU: ("Предварительный просмотр работы {{ order }}", "Во вложении 50% работы по заказу {{ order }} ({{ title }}). Примите её и оплатите остаток или попросите доработку в «Моих заказах»."),
    },
    "rework_requested": {
        EN: ("Rework asked for {{ order }}", "Order {{ order }} needs rework: {{ comment }}"),
        ID: ("Revisi diminta untuk {{ order }}", "Pesanan {{ order }} perlu direvisi: {{ comment }}"),
        RU: ("Нужна доработка {{ order }}", "Заказ {{ order }} нужно доработать: {{ comment }}"),
    },
    "finish_writing": {
        EN: ("Finish the work: {{ order }}", "The client paid the rest for order {{ order }}. Upload the full work."),
        ID: ("Selesaikan pekerjaan: {{ order }}", "Klien telah melunasi pesanan {{ order }}. Unggah pekerjaan lengkap."),
        RU: ("Завершите работу: {{ order }}", "Клиент оплатил остаток по заказу {{ order }}. Загрузите работу целиком."),
    },
    "final_uploaded": {
        EN: ("Check the full work of {{ order }}", "The author uploaded the full work of order {{ order }}. Check it and email it to the client."),
        ID: ("Periksa pekerjaan lengkap {{ order }}", "Penulis mengunggah pekerjaan lengkap pesanan {{ order }}. Periksa dan kirim ke klien."),
        RU: ("Проверьте работу {{ order }}", "Автор загрузил работу по заказу {{ order }} целиком. Проверьте и отправьте клиенту."),
    },
    "final_rejected": {
        EN: ("Order {{ order }} sent back", "The manager sent the full work of order {{ order }} back: {{ comment }}"),
        ID: ("Pesanan {{ order }} dikembalikan", "Manajer mengembalikan pekerjaan lengkap pesanan {{ order }}: {{ comment }}"),
        RU: ("Заказ {{ order }} возвращён", "Менеджер вернул работу по заказу {{ order }}: {{ comment }}"),
    },
    "work_ready": {
        EN: ("Your work for order {{ order }}", "Your order {{ order }} ({{ title }}) is done: the work is attached and waits in My orders. Thank you!"),
        ID: ("Pekerjaan Anda untuk pesanan {{ order }}", "Pesanan {{ order }} ({{ title }}) selesai: pekerjaan terlampir dan tersedia di Pesanan saya. Terima kasih!"),
        RU: ("Ваша работа по заказу {{ order }}", "Заказ {{ order }} ({{ title }}) выполнен: работа во вложении и в «Моих заказах». Спасибо!"),
    },
    "order_failed": {
        EN: ("Order {{ order }} is cancelled", "Order {{ order }} ({{ title }}) is cancelled. {{ comment }}"),
        ID: ("Pesanan {{ order }} dibatalkan", "Pesanan {{ order }} ({{ title }}) dibatalkan. {{ comment }}"),
        RU: ("Заказ {{ order }} отменён", "Заказ {{ order }} ({{ title }}) отменён. {{ comment }}"),
    },
    "refund_made": {
        EN: ("Refund for order {{ order }}", "We refunded {{ amount }} {{ currency }} for order {{ order }}. {{ reason }}"),
        ID: ("Pengembalian dana pesanan {{ order }}", "Kami mengembalikan {{ amount }} {{ currency }} untuk pesanan {{ order }}. {{ reason }}"),
        RU: ("Возврат по заказу {{ order }}", "Мы вернули {{ amount }} {{ currency }} по заказу {{ order }}. {{ reason }}"),
    },
    "order_reassigned": {
        EN: ("Order {{ order }} reassigned", "Order {{ order }} ({{ title }}) now goes to {{ person }}. {{ comment }}"),
        ID: ("Pesanan {{ order }} dialihkan", "Pesanan {{ order }} ({{ title }}) kini ditangani {{ person }}. {{ comment }}"),
        RU: ("Заказ {{ order }} передан", "Заказ {{ order }} ({{ title }}) передан: {{ person }}. {{ comment }}"),
    },
}
DEFAULT_TEMPLATES.update(WRITING_TEMPLATES)

GENERIC = {
    EN: ("Order {{ order }}: {{ event }}", "There is news about order {{ order }} ({{ title }}): {{ event }}."),
    ID: ("Pesanan {{ order }}: pembaruan", "Ada kabar tentang pesanan {{ order }} ({{ title }}): {{ event }}."),
    RU: ("Заказ {{ order }}: новости", "Есть новости по заказу {{ order }} ({{ title }}): {{ event }}."),
}

# Ready-made works (catalog purchases) and reviews.
DEFAULT_TEMPLATES.update({
    "catalog_work_delivered": {
        EN: ("Your work: {{ work }}",
             "Thank you for your purchase, {{ name }}.\n\nThe work \"{{ work }}\" is attached. You can also download it "
             "here until {{ expires }} (UTC):\n{{ link }}\n\nPurchase {{ purchase }}, paid {{ amount }} {{ currency }}."),
        ID: ("Karya Anda: {{ work }}",
             "Terima kasih atas pembelian Anda, {{ name }}.\n\nKarya \"{{ work }}\" terlampir. Anda juga dapat mengunduhnya "
             "di sini sampai {{ expires }} (UTC):\n{{ link }}\n\nPembelian {{ purchase }}, dibayar {{ amount }} {{ currency }}."),
        RU: ("Ваша работа: {{ work }}",
             "Спасибо за покупку, {{ name }}.\n\nРабота «{{ work }}» во вложении. Её также можно скачать по ссылке "
             "до {{ expires }} (UTC):\n{{ link }}\n\nПокупка {{ purchase }}, оплачено {{ amount }} {{ currency }}."),
    },
    "catalog_new_link": {
        EN: ("New download link: {{ work }}",
             "Here is a new link to download \"{{ work }}\", valid until {{ expires }} (UTC):\n{{ link }}"),
        ID: ("Tautan unduhan baru: {{ work }}",
             "Berikut tautan baru untuk mengunduh \"{{ work }}\", berlaku sampai {{ expires }} (UTC):\n{{ link }}"),
        RU: ("Новая ссылка: {{ work }}",
             "Новая ссылка для скачивания «{{ work }}», действует до {{ expires }} (UTC):\n{{ link }}"),
    },
    "author_reviewed": {
        EN: ("New review for order {{ order }}", "The client rated your work on order {{ order }}: {{ stars }} of 5. "
             "Your rating: {{ rating }}."),
        ID: ("Ulasan baru untuk pesanan {{ order }}", "Klien menilai pekerjaan Anda pada pesanan {{ order }}: {{ stars }} "
             "dari 5. Peringkat Anda: {{ rating }}."),
        RU: ("Новый отзыв по заказу {{ order }}", "Клиент оценил вашу работу по заказу {{ order }}: {{ stars }} из 5. "
             "Ваш рейтинг: {{ rating }}."),
    },
    "order_message": {
        EN: ("New message on order {{ order }}", "{{ author }}: {{ message }}"),
        ID: ("Pesan baru pada pesanan {{ order }}", "{{ author }}: {{ message }}"),
        RU: ("Новое сообщение по заказу {{ order }}", "{{ author }}: {{ message }}"),
    },
    "company_review_submitted": {
        EN: ("A review waits for approval", "{{ customer }} reviewed the company ({{ stars }} of 5). Approve or reject it "
             "under Reviews."),
        ID: ("Ulasan menunggu persetujuan", "{{ customer }} mengulas perusahaan ({{ stars }} dari 5). Setujui atau tolak "
             "di Ulasan."),
        RU: ("Отзыв ждёт проверки", "{{ customer }} оставил отзыв о компании ({{ stars }} из 5). Одобрите или отклоните "
             "его в разделе «Отзывы»."),
    },
})

# Repair shop (services.repair): the ticket's life as the customer hears of it.
DEFAULT_TEMPLATES.update({
    "repair_received": {
        EN: ("Repair ticket {{ order }} opened",
             "We have received your device ({{ title }}) under ticket {{ order }}.\n"
             "Follow it online with your ticket number and the code {{ tracking_code }}:\n{{ tracking_url }}"),
        ID: ("Tiket servis {{ order }} dibuka",
             "Perangkat Anda ({{ title }}) kami terima dengan tiket {{ order }}.\n"
             "Pantau secara online dengan nomor tiket dan kode {{ tracking_code }}:\n{{ tracking_url }}"),
        RU: ("Открыта заявка на ремонт {{ order }}",
             "Мы приняли ваше устройство ({{ title }}) по заявке {{ order }}.\n"
             "Следите за ремонтом онлайн по номеру заявки и коду {{ tracking_code }}:\n{{ tracking_url }}"),
    },
    "repair_diagnosing": {
        EN: ("Ticket {{ order }}: diagnosis started", "A technician is diagnosing your device ({{ title }})."),
        ID: ("Tiket {{ order }}: diagnosa dimulai", "Teknisi sedang mendiagnosa perangkat Anda ({{ title }})."),
        RU: ("Заявка {{ order }}: диагностика", "Мастер приступил к диагностике вашего устройства ({{ title }})."),
    },
    "repair_ready": {
        EN: ("Your device is ready: ticket {{ order }}",
             "Your device ({{ title }}) is repaired and ready for pick-up.\n"
             "Amount due: {{ balance }} {{ currency }}. Please come to check it and pay "
             "(cash, transfer or e-wallet)."),
        ID: ("Perangkat Anda sudah siap: tiket {{ order }}",
             "Perangkat Anda ({{ title }}) sudah diperbaiki dan siap diambil.\n"
             "Jumlah tagihan: {{ balance }} {{ currency }}. Silakan datang untuk memeriksa dan membayar "
             "(tunai, transfer atau e-wallet)."),
        RU: ("Устройство готово: заявка {{ order }}",
             "Ваше устройство ({{ title }}) отремонтировано и готово к выдаче.\n"
             "К оплате: {{ balance }} {{ currency }}. Приходите проверить и оплатить "
             "(наличные, перевод или электронный кошелёк)."),
    },
    "warranty_accepted": {
        EN: ("Ticket {{ order }}: covered by the warranty",
             "The check and the labour are free; you pay only for parts that must be replaced."),
        ID: ("Tiket {{ order }}: ditanggung garansi",
             "Pemeriksaan dan jasa gratis; Anda hanya membayar komponen yang harus diganti."),
        RU: ("Заявка {{ order }}: гарантийный случай",
             "Проверка и работа бесплатны; вы платите только за заменённые детали."),
    },
    "warranty_void": {
        EN: ("Ticket {{ order }}: not covered by the warranty",
             "The fault is not covered by the warranty; the repair is charged as usual. {{ comment }}"),
        ID: ("Tiket {{ order }}: tidak ditanggung garansi",
             "Kerusakan tidak ditanggung garansi; perbaikan dikenakan biaya seperti biasa. {{ comment }}"),
        RU: ("Заявка {{ order }}: не гарантийный случай",
             "Неисправность не покрывается гарантией; ремонт оплачивается как обычно. {{ comment }}"),
    },
    "warranty_started": {
        EN: ("Thank you: ticket {{ order }} picked up",
             "You picked up your device ({{ title }}). Your warranty runs until {{ warranty_until }}."),
        ID: ("Terima kasih: tiket {{ order }} telah diambil",
             "Anda telah mengambil perangkat ({{ title }}). Garansi berlaku sampai {{ warranty_until }}."),
        RU: ("Спасибо: заявка {{ order }} выдана",
             "Вы забрали устройство ({{ title }}). Гарантия действует до {{ warranty_until }}."),
    },
    "repair_cancelled": {
        EN: ("Ticket {{ order }} cancelled", "Repair ticket {{ order }} ({{ title }}) was cancelled. {{ comment }}"),
        ID: ("Tiket {{ order }} dibatalkan", "Tiket servis {{ order }} ({{ title }}) dibatalkan. {{ comment }}"),
        RU: ("Заявка {{ order }} отменена", "Заявка на ремонт {{ order }} ({{ title }}) отменена. {{ comment }}"),
    },
})
