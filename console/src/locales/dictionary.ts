/** Every key of an English dictionary, as a string: a missing or extra key in its Korean twin is a type error. */
export type Dictionary<T> = { [K in keyof T]: T[K] extends string ? string : Dictionary<T[K]> };
