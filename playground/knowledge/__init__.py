"""The knowledge base: parse, chunk, embed and store documents; search them."""
