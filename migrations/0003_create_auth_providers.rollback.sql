DROP TABLE auth_providers;
