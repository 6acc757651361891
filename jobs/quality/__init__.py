"""Quality gates: Great Expectations suites run on staged data before publishing."""
