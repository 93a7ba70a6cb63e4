"""The computer repair and spare-parts shop (DESIGN.md 1.B), one module per concern:

- ``tickets``: counter intake (customer found or created, device, faults, pick-up terms,
  estimate), the ticket's repair record, diagnosis notes, online tracking;
- ``lines``: the parts catalog's stock (conditional UPDATEs, append-only movements), part and
  labour lines and the totals the order's price is recomputed from;
- ``warranty``: the warranty clock started at pick-up and warranty claims;
- ``refunds``: the ``repair.refund`` decision on real lines and the refund through payments;
- ``sales``: parts sold over the counter;
- ``receipt``: printable PDF receipts;
- ``bulk``: bulk intake from CSV, XLSX or a JSON batch.
"""
