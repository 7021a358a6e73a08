"""Subject Service: Subjects: CRUD, JWT-protected writes and domain events through the outbox"""
