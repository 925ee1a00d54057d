// Not a plugin: a shared object built the way plugins must NOT be built (default visibility,
// no -fno-gnu-unique), so that it exports an STB_GNU_UNIQUE symbol. It proves that
// check_no_gnu_unique.sh notices one.
inline int shared_counter = 0;

int bump_shared_counter() { return ++shared_counter; }
