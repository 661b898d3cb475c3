"""Operations: the platform's library. They return result objects and raise MongoAdminError; never print."""
