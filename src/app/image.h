// Moved to the public header segrt/image.h.
#pragma once
#include "segrt/image.h"
