"""What tests share that is not a fixture: answer sets and request bodies, live servers,
races, the route walker. Test modules import from here, never from each other or a conftest."""
