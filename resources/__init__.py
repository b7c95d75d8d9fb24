"""Read-only data shipped with Shopper, installed as the package `shopper_resources`.

Not code: rubrics, JSON Schemas, fonts (with their licence) and icons. Find them through
`shopper.paths`, never relative to the working directory.
"""
