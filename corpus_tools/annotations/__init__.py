"""The annotation set: what the stored exports hold, per document and annotator; the entity registry; who each
annotator is; lint; agreement and adjudication."""
