namespace Timely.Bytes;

/// <summary>
/// Marks a type parameter whose type arguments are encoded with their wire codec: an API that
/// sends its values between workers (exchange, broadcast, channel allocation) or writes them to
/// a file (capture) marks the parameter, and the codec generator writes and registers, at compile
/// time, the codec of every type argument given for it at a call site, with the tuples, lists,
/// arrays and nullables inside it.
/// </summary>
/// <remarks>
/// A generic method of your own that passes its type parameter on to such an API marks that
/// parameter too, so that its own callers' type arguments get their codecs; an unmarked one is
/// a compile-time warning at the call. On a type's parameter, the mark covers the calls of the
/// type's constructors and static methods.
/// </remarks>
[AttributeUsage(AttributeTargets.GenericParameter, Inherited = false)]
public sealed class WireEncodedAttribute : Attribute
{
}
