// Placeholder until this module has tests.
import Testing
