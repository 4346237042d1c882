namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// A constant with no C macro of its own name (e.g. the size of sem_t): the layout test checks the
    /// C expression given here instead of the field's name.
    /// </summary>
    [AttributeUsage(AttributeTargets.Field)]
    internal sealed class CConstantAttribute(string expression) : Attribute
    {
        public string Expression { get; } = expression;
    }
}
