"""The audit log: canonical entries, the RFC 9162 Merkle tree, signed checkpoints,
cosignatures, receipts and the verifier.
"""
