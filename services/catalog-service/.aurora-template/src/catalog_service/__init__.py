"""Catalog Service: The catalog: subjects enriched over HTTP and kept in sync from their events"""
