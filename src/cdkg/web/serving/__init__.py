"""Running the application in public: Granian, the request-deadline front, supervision."""
