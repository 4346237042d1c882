using System.Runtime.CompilerServices;

// Every interop signature uses blittable types only: pointers, integers, SafeHandles.
[assembly: DisableRuntimeMarshalling]
