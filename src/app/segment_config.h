// Moved to the public header segrt/segment.h (the segmentation pipeline is public API).
#pragma once
#include "segrt/segment.h"
