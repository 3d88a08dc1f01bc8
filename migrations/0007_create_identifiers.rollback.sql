DROP TABLE identifiers;
